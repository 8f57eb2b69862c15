//! The last stage of the pipeline: what a user reads. Result files written
//! atomically (`files`), charts (`plot`), the experiment's web page
//! (`report`) and the calibration report of every scenario
//! (`validation_report`). Nothing here simulates or computes a statistic; it
//! presents what the engine and the experiments produced.

pub mod files;
pub mod plot;
pub mod report;
pub mod validation_report;
