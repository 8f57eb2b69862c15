//! The event queue: one clock, events ordered by time and then by the order
//! they were scheduled, so that ties resolve the same way on every machine.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Something that happens at a moment of simulated time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// A candidate occurrence of threat process `p` (accepted or thinned).
    ThreatCandidate(u32),
    /// A candidate abuse by host police post `h`.
    HostAbuse(u32),
    /// Incident `i` reaches the operations centre.
    Report(u32),
    /// The capital answers a request for unit `unit` on incident `i`.
    Approval {
        incident: u32,
        unit: u32,
        granted: bool,
        waiver: bool,
    },
    /// A unit dispatched to incident `i` arrives.
    Arrive {
        incident: u32,
        unit: u32,
        platoons: u32,
        vehicles: u32,
        travel_h: f32,
    },
    /// Incident `i`'s violence is over: harm is settled.
    Resolve(u32),
    /// Platoons and vehicles of a unit are back and free.
    Return {
        unit: u32,
        platoons: u32,
        vehicles: u32,
    },
    /// A scheduled patrol slot of the day.
    PatrolLaunch,
    /// A patrol reaches its site.
    PatrolArrive {
        site: u32,
        unit: u32,
        platoons: u32,
        vehicles: u32,
        travel_h: f32,
    },
    /// A patrol leaves its site.
    PatrolEnd {
        site: u32,
        unit: u32,
        platoons: u32,
        vehicles: u32,
        travel_h: f32,
    },
    /// A civilian component asks for an escort.
    EscortRequest,
    /// An escorted visit ends.
    EscortEnd {
        site: u32,
        unit: u32,
        platoons: u32,
        vehicles: u32,
        travel_h: f32,
    },
    /// A waiting escort request gives up.
    EscortExpire(u32),
    /// The capital answers an escort's approval request.
    EscortApproval {
        request: u32,
        unit: u32,
        granted: bool,
    },
    /// End of a simulated day: daily updates and time series.
    DayEnd(u32),
    /// An inject window opens.
    InjectStart(u32),
    /// A unit deploys.
    UnitArrives(u32),
    /// A unit leaves the mission.
    UnitWithdraws(u32),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    time: f64,
    seq: u64,
    event: Event,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse for earliest first.
        o.time
            .total_cmp(&self.time)
            .then_with(|| o.seq.cmp(&self.seq))
    }
}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Earliest-first queue of events.
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Entry>,
    seq: u64,
}

impl EventQueue {
    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(n),
            seq: 0,
        }
    }
    pub fn push(&mut self, time: f64, event: Event) {
        self.seq += 1;
        self.heap.push(Entry {
            time,
            seq: self.seq,
            event,
        });
    }
    /// Time of the next event.
    pub fn peek_time(&self) -> Option<f64> {
        self.heap.peek().map(|e| e.time)
    }
    pub fn pop(&mut self) -> Option<(f64, Event)> {
        self.heap.pop().map(|e| (e.time, e.event))
    }
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_ties_in_schedule_order() {
        let mut q = EventQueue::default();
        q.push(5.0, Event::DayEnd(2));
        q.push(1.0, Event::DayEnd(0));
        q.push(5.0, Event::DayEnd(3));
        q.push(2.0, Event::DayEnd(1));
        let order: Vec<Event> = std::iter::from_fn(|| q.pop().map(|x| x.1)).collect();
        assert_eq!(
            order,
            vec![
                Event::DayEnd(0),
                Event::DayEnd(1),
                Event::DayEnd(2),
                Event::DayEnd(3)
            ]
        );
    }
}
