//! The maps kept across reloads, opened from their pins: the grants'
//! and reservation refusals' ring buffer and each user's audit budget
//! (the daemon reads them), the refusal counts and the count of audit
//! records lost to a full ring (`--status` prints them).

use super::layout::{
    audit_key, audit_key_bytes, budget_count, refusal_key, reserve_refusal_key, said, said_value, AuditBudgetValue,
    AuditKey, AuditSaidValue, Event, RefusalKey, ReserveRefusalKey,
};
use super::load::{AUDIT_BUDGET, AUDIT_SAID, EVENTS, LOST, REFUSALS, RESERVE_REFUSALS};
use crate::error::Error;
use crate::suppressed::{Counted, Key, Said};
use aya::maps::{HashMap, Map, MapData, PerCpuArray, PerCpuHashMap, RingBuf};
use model::Reservation;
use std::collections::BTreeMap;
use std::path::Path;

fn open(dir: &Path, file: &str) -> Result<Map, Error> {
    let path = dir.join(file);
    let data = MapData::from_pin(&path).map_err(|e| Error::aya(&path.display().to_string(), &e))?;
    Map::from_map_data(data).map_err(|e| Error::aya(&path.display().to_string(), &e))
}

/// The grants' ring buffer.
pub struct Events {
    ring: RingBuf<MapData>,
}

impl Events {
    pub fn open(pins: &Path) -> Result<Events, Error> {
        let ring = RingBuf::try_from(open(pins, EVENTS.1)?).map_err(|e| Error::aya("events", &e))?;
        Ok(Events { ring })
    }

    /// Up to `limit` of the records waiting now (malformed ones are
    /// skipped), and whether more are waiting.
    pub fn drain(&mut self, limit: usize) -> (Vec<Event>, bool) {
        let mut out = Vec::new();
        while out.len() < limit {
            let Some(item) = self.ring.next() else {
                return (out, false);
            };
            if let Some(e) = Event::parse(&item) {
                out.push(e);
            }
        }
        (out, true)
    }
}

/// Each user's audit budget (`audit_budget`, the programs') and what
/// the daemon said of it (`audit_said`, the daemon's).
pub struct Budgets {
    budget: HashMap<MapData, AuditKey, AuditBudgetValue>,
    said: HashMap<MapData, AuditKey, AuditSaidValue>,
}

impl Budgets {
    pub fn open(pins: &Path) -> Result<Budgets, Error> {
        let budget = HashMap::try_from(open(pins, AUDIT_BUDGET.1)?).map_err(|e| Error::aya("audit_budget", &e))?;
        let said = HashMap::try_from(open(pins, AUDIT_SAID.1)?).map_err(|e| Error::aya("audit_said", &e))?;
        Ok(Budgets { budget, said })
    }

    /// The budgets' counts now (of a kind the daemon knows).
    pub fn read(&self) -> Result<Vec<(Key, Counted)>, Error> {
        let mut out = Vec::new();
        for item in self.budget.iter() {
            let (key, value) = item.map_err(|e| Error::aya("reading audit_budget", &e))?;
            if let Some(key) = audit_key(&key) {
                out.push((key, budget_count(&value)));
            }
        }
        Ok(out)
    }

    /// What was said of each budget (by this daemon or an earlier one).
    pub fn said(&self) -> Result<Vec<(Key, Said)>, Error> {
        let mut out = Vec::new();
        for item in self.said.iter() {
            let (key, value) = item.map_err(|e| Error::aya("reading audit_said", &e))?;
            if let Some(key) = audit_key(&key) {
                out.push((key, said(&value)));
            }
        }
        Ok(out)
    }

    /// Records that `said` of `key`'s budget is said.
    pub fn set_said(&mut self, key: Key, said: Said) -> Result<(), Error> {
        self.said
            .insert(audit_key_bytes(key), said_value(said), 0)
            .map_err(|e| Error::aya("writing audit_said", &e))
    }
}

/// Refusals per (uid, port), summed over the CPUs.
pub fn refusals(pins: &Path) -> Result<BTreeMap<(u32, u16), u64>, Error> {
    let map: PerCpuHashMap<MapData, RefusalKey, u64> =
        PerCpuHashMap::try_from(open(pins, REFUSALS.1)?).map_err(|e| Error::aya("refusals", &e))?;
    let mut out = BTreeMap::new();
    for item in map.iter() {
        let (key, values) = item.map_err(|e| Error::aya("reading refusals", &e))?;
        let total: u64 = values.iter().sum();
        *out.entry(refusal_key(&key)).or_default() += total;
    }
    Ok(out)
}

/// Binds refused by a reservation, per (reservation, uid), summed over
/// the CPUs, in the reservations' rank order.
pub fn reserve_refusals(pins: &Path) -> Result<Vec<(Reservation, u32, u64)>, Error> {
    let map: PerCpuHashMap<MapData, ReserveRefusalKey, u64> =
        PerCpuHashMap::try_from(open(pins, RESERVE_REFUSALS.1)?).map_err(|e| Error::aya("reserve_refusals", &e))?;
    let mut out: Vec<(Reservation, u32, u64)> = Vec::new();
    for item in map.iter() {
        let (key, values) = item.map_err(|e| Error::aya("reading reserve_refusals", &e))?;
        let Some((uid, r)) = reserve_refusal_key(&key) else {
            continue;
        };
        let total: u64 = values.iter().sum();
        match out.iter_mut().find(|(x, u, _)| *x == r && *u == uid) {
            Some(entry) => entry.2 += total,
            None => out.push((r, uid, total)),
        }
    }
    out.sort_by(|a, b| a.0.rank(&b.0).then(a.1.cmp(&b.1)));
    Ok(out)
}

/// Audit records the programs could not queue (the ring was full).
pub fn lost(pins: &Path) -> Result<u64, Error> {
    let map: PerCpuArray<MapData, u64> =
        PerCpuArray::try_from(open(pins, LOST.1)?).map_err(|e| Error::aya("lost", &e))?;
    let values = map.get(&0, 0).map_err(|e| Error::aya("reading lost", &e))?;
    Ok(values.iter().sum())
}
