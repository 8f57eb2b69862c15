//! The event queue: one clock, events ordered by time and then by the order
//! they were scheduled, so that ties resolve the same way on every machine.

use crate::ids::{IncidentId, PatrolRunId, SiteId, UnitId};

/// Something that happens at a moment of simulated time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// A candidate abuse by host police post `h`.
    HostAbuse(u32),
    /// Incident `i` reaches the operations centre.
    Report(IncidentId),
    /// Incident `i`, never reported in time, becomes known afterwards.
    Learned(IncidentId),
    /// The capital answers a request for unit `unit` on incident `i`.
    Approval {
        incident: IncidentId,
        unit: UnitId,
        granted: bool,
        waiver: bool,
    },
    /// A unit dispatched to incident `i` arrives.
    Arrive {
        incident: IncidentId,
        unit: UnitId,
        platoons: u32,
        vehicles: u32,
        travel_h: f32,
    },
    /// Incident `i`'s violence is over: harm is settled.
    Resolve(IncidentId),
    /// Platoons and vehicles of a unit are back and free, after `worked_h` hours of work.
    Return {
        unit: UnitId,
        platoons: u32,
        vehicles: u32,
        worked_h: f32,
    },
    /// A patrol is back at its base after its time on site (a re-tasked
    /// patrol's return is the response's).
    PatrolReturn(PatrolRunId),
    /// Detainees of a threat process leave custody.
    Released { process: u32, n: u32 },
    /// A scheduled patrol slot of the day.
    PatrolLaunch,
    /// A civilian component asks for an escort.
    EscortRequest,
    /// An escorted visit ends.
    EscortEnd {
        site: SiteId,
        unit: UnitId,
        platoons: u32,
        vehicles: u32,
        travel_h: f32,
    },
    /// A dialogue the operations centre ordered is held at a site.
    Dialogue { site: SiteId },
    /// The host authorities carry out, or not, the conditions set on support at a site.
    ConditionsDue { site: SiteId, key: u32 },
    /// A waiting escort request gives up.
    EscortExpire(u32),
    /// The capital answers an escort's approval request.
    EscortApproval {
        request: u32,
        unit: UnitId,
        granted: bool,
    },
    /// End of a simulated day: daily updates and time series.
    DayEnd(u32),
    /// An inject window opens.
    InjectStart(u32),
    /// A unit deploys.
    UnitArrives(UnitId),
    /// A unit leaves the mission.
    UnitWithdraws(UnitId),
}

/// Heap arity: a 4-ary heap is shallower than a binary one and its children
/// share a cache line.
const ARITY: usize = 4;
/// Bits of an entry's tie-breaker that hold the event's slot.
const SLOT_BITS: u32 = 24;

/// Earliest-first queue of events.
///
/// The heap holds 16-byte keys: the time's bits (times are never negative, so
/// their IEEE bits order like the numbers) and, above the event's slot, the
/// order of scheduling, which breaks ties. Events themselves sit in a slab.
#[derive(Debug, Clone, Default)]
pub struct EventQueue {
    /// time bits << 64 | seq << SLOT_BITS | slot: one integer compare orders them.
    heap: Vec<u128>,
    slab: Vec<Event>,
    free: Vec<u32>,
    seq: u64,
}

impl EventQueue {
    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            heap: Vec::with_capacity(n),
            slab: Vec::with_capacity(n),
            free: Vec::with_capacity(n),
            seq: 0,
        }
    }

    pub fn push(&mut self, time: f64, event: Event) {
        debug_assert!(time >= 0.0, "event scheduled before the start: {time}");
        let slot = match self.free.pop() {
            Some(k) => {
                self.slab[k as usize] = event;
                k as u64
            }
            None => {
                self.slab.push(event);
                (self.slab.len() - 1) as u64
            }
        };
        assert!(slot < 1 << SLOT_BITS, "more than 16 million events pending");
        self.seq += 1;
        let entry = (u128::from(time.max(0.0).to_bits()) << 64)
            | u128::from((self.seq << SLOT_BITS) | slot);
        // Sift up.
        let mut i = self.heap.len();
        self.heap.push(entry);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.heap[parent] <= entry {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = entry;
    }

    /// Time of the next event.
    pub fn peek_time(&self) -> Option<f64> {
        self.heap.first().map(|e| f64::from_bits((e >> 64) as u64))
    }

    pub fn pop(&mut self) -> Option<(f64, Event)> {
        let top = *self.heap.first()?;
        let last = self.heap.pop().expect("not empty");
        let n = self.heap.len();
        if n > 0 {
            // Sift the last entry down from the root. Full groups of four
            // children (all but the last group) are compared unrolled.
            let heap = &mut self.heap[..n];
            let mut i = 0;
            loop {
                let first = i * ARITY + 1;
                let (best, min) = if first + ARITY <= n {
                    let k: &[u128; ARITY] = heap[first..first + ARITY]
                        .try_into()
                        .expect("a group of four");
                    let (mut b, mut m) = (0, k[0]);
                    if k[1] < m {
                        (b, m) = (1, k[1]);
                    }
                    if k[2] < m {
                        (b, m) = (2, k[2]);
                    }
                    if k[3] < m {
                        (b, m) = (3, k[3]);
                    }
                    (first + b, m)
                } else if first < n {
                    let mut b = first;
                    for c in first + 1..n {
                        if heap[c] < heap[b] {
                            b = c;
                        }
                    }
                    (b, heap[b])
                } else {
                    break;
                };
                if min >= last {
                    break;
                }
                heap[i] = min;
                i = best;
            }
            self.heap[i] = last;
        }
        let slot = (top as u64 & ((1 << SLOT_BITS) - 1)) as u32;
        self.free.push(slot);
        Some((f64::from_bits((top >> 64) as u64), self.slab[slot as usize]))
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

    #[test]
    fn pops_in_time_then_schedule_order_under_random_load() {
        let mut q = EventQueue::default();
        let mut r = crate::rng::Seed::new(3, 0).stream(crate::rng::Mechanic::Patrol, 0);
        // A reference: pending events sorted by (time, order of scheduling).
        let mut pending: Vec<(f64, u32)> = Vec::new();
        for k in 0..5000u32 {
            // Coarse times make many ties, which must keep their order.
            let t = (crate::rng::uniform(&mut r) * 50.0).floor() + f64::from(k / 100);
            q.push(t, Event::DayEnd(k));
            pending.push((t, k));
            if k % 3 == 0 {
                pending.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let want = pending.remove(0);
                assert_eq!(q.pop(), Some((want.0, Event::DayEnd(want.1))));
            }
        }
        pending.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for want in pending {
            assert_eq!(q.pop(), Some((want.0, Event::DayEnd(want.1))));
        }
        assert!(q.is_empty());
    }
}
