//! The transactions of one call: the input and the predecessors found for it, in
//! acceptance order, with each one's outcome.

use std::collections::{HashMap, HashSet};

use super::Applied;
use crate::domain::AccountId;
use crate::store::TransactionRecord;

/// One transaction of a call: from the input (at these positions) or a predecessor.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) record: TransactionRecord,
    inputs: Vec<usize>,
    pub(super) outcome: Option<Applied>,
    /// Waits for a later call (too many predecessors on its account).
    held: bool,
}

/// The transactions of a call, in acceptance order.
#[derive(Debug)]
pub(super) struct Work {
    pub(super) entries: Vec<Entry>,
    /// What the call did so far.
    pub(super) tally: super::Tally,
}

impl Work {
    pub(super) fn new(records: &[TransactionRecord]) -> Self {
        let mut work = Self {
            entries: Vec::with_capacity(records.len()),
            tally: super::Tally {
                batch_size: records.len(),
                ..super::Tally::default()
            },
        };
        let mut positions: HashMap<String, usize> = HashMap::with_capacity(records.len());
        for (position, record) in records.iter().enumerate() {
            match positions.entry(record.table_key()) {
                std::collections::hash_map::Entry::Occupied(found) => {
                    work.entries[*found.get()].inputs.push(position);
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(work.entries.len());
                    work.entries.push(Entry {
                        record: record.clone(),
                        inputs: vec![position],
                        outcome: None,
                        held: false,
                    });
                }
            }
        }
        work.sort();
        work
    }

    /// Adds predecessors not already here, and restores acceptance order.
    pub(super) fn add(&mut self, records: Vec<TransactionRecord>) {
        let known = self.keys();
        for record in records {
            if !known.contains(&record.table_key()) {
                self.entries.push(Entry {
                    record,
                    inputs: Vec::new(),
                    outcome: None,
                    held: false,
                });
            }
        }
        self.sort();
    }

    fn sort(&mut self) {
        self.entries.sort_by(|a, b| {
            a.record
                .created_at
                .cmp(&b.record.created_at)
                .then_with(|| a.record.table_key().cmp(&b.record.table_key()))
        });
    }

    /// Holds the open transactions on these accounts created after the given instants.
    pub(super) fn hold(&mut self, after: &HashMap<AccountId, crate::clock::Timestamp>) {
        for entry in &mut self.entries {
            if let Some(limit) = after.get(&entry.record.account_id)
                && entry.record.created_at > *limit
                && entry.outcome.is_none()
            {
                entry.held = true;
            }
        }
    }

    /// Whether entry `i` is a predecessor the call found, not one of its input.
    pub(super) fn is_predecessor(&self, i: usize) -> bool {
        self.entries.get(i).is_some_and(|e| e.inputs.is_empty())
    }

    pub(super) fn keys(&self) -> HashSet<String> {
        self.entries.iter().map(|e| e.record.table_key()).collect()
    }

    /// Fills `settled` with the keys of the transactions that have an outcome and
    /// `waiting` with those still open outside `deciding` (positions).
    pub(super) fn classify(
        &self,
        settled: &mut HashSet<String>,
        waiting: &mut HashSet<String>,
        deciding: &[usize],
    ) {
        settled.clear();
        waiting.clear();
        for (i, entry) in self.entries.iter().enumerate() {
            if entry.outcome.is_some() {
                settled.insert(entry.record.table_key());
            } else if !deciding.contains(&i) {
                waiting.insert(entry.record.table_key());
            }
        }
    }

    pub(super) fn open_records(&self) -> Vec<&TransactionRecord> {
        self.entries
            .iter()
            .filter(|e| e.outcome.is_none() && !e.held)
            .map(|e| &e.record)
            .collect()
    }

    pub(super) fn open(&self) -> Vec<usize> {
        (0..self.entries.len())
            .filter(|i| self.entries[*i].outcome.is_none() && !self.entries[*i].held)
            .collect()
    }

    pub(super) fn helped(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| {
                e.inputs.is_empty()
                    && matches!(e.outcome, Some(Applied::Completed | Applied::Rejected(_)))
            })
            .count()
    }

    pub(super) fn into_outcomes(self, inputs: usize) -> Vec<Option<Applied>> {
        let mut outcomes = vec![None; inputs];
        for entry in self.entries {
            for position in entry.inputs {
                if let Some(slot) = outcomes.get_mut(position) {
                    *slot = entry.outcome;
                }
            }
        }
        outcomes
    }
}

#[cfg(test)]
mod tests;
