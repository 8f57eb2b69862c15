//! Typed indices: a site, a unit and an incident are each their own type, so
//! that a unit's number can never index the sites, and tables are indexed by
//! the id itself rather than by casts.
//!
//! Each id is a `u32` (events stay small) that indexes a `Vec` or slice of
//! what it names: `sites[site]`, `units[unit]`, `incidents[incident]`.

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The id of the entry at position `i` of its table.
            #[inline]
            pub fn new(i: usize) -> Self {
                debug_assert!(i <= u32::MAX as usize);
                $name(i as u32)
            }

            /// Its position in its table.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// Every id of a table of `n` entries, in order.
            pub fn all(n: usize) -> impl DoubleEndedIterator<Item = $name> + ExactSizeIterator + Clone {
                (0..n as u32).map($name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl<T> std::ops::Index<$name> for [T] {
            type Output = T;
            #[inline]
            fn index(&self, id: $name) -> &T {
                &self[id.index()]
            }
        }

        impl<T> std::ops::IndexMut<$name> for [T] {
            #[inline]
            fn index_mut(&mut self, id: $name) -> &mut T {
                &mut self[id.index()]
            }
        }

        impl<T> std::ops::Index<$name> for Vec<T> {
            type Output = T;
            #[inline]
            fn index(&self, id: $name) -> &T {
                &self[id.index()]
            }
        }

        impl<T> std::ops::IndexMut<$name> for Vec<T> {
            #[inline]
            fn index_mut(&mut self, id: $name) -> &mut T {
                &mut self[id.index()]
            }
        }
    };
}

typed_id!(
    /// Index of a site in [`World::sites`](crate::world::World::sites).
    SiteId
);
typed_id!(
    /// Index of a unit in [`Model::units`](crate::model::Model::units).
    UnitId
);
typed_id!(
    /// Index of an incident in a run's incident table, in order of occurrence.
    IncidentId
);
typed_id!(
    /// Index of a patrol in a run's table of patrols, in order of launch.
    PatrolRunId
);
