//! The scene set: a sans-IO state machine over parsed scenes (see the [module docs](crate::scene)).

use std::collections::HashSet;

use super::{
    Condition, DeviceId, MAX_CHAIN, MAX_SCENES, MAX_SCENES_PER_DEVICE, Scene, SceneAction, Trigger,
};
use crate::error::SceneError;
use crate::time::UnixMillis;
use crate::value::Value;

/// A scene that fired, with the actions to carry out (chained scenes already expanded).
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    /// The scene whose trigger fired.
    pub scene_id: String,
    /// The actions, in order; `TriggerScene` is replaced by the target's actions.
    pub actions: Vec<SceneAction>,
    /// Chained scenes that were skipped: unknown, conditions not met, a loop or too deep.
    pub skipped: Vec<String>,
}

struct Slot {
    scene: Scene,
    /// Last reported value for each condition (device property conditions only).
    last: Vec<Option<Value>>,
    /// Timer armed from this instant.
    armed_from: UnixMillis,
}

/// Scenes and the state their conditions need; see the [module docs](crate::scene).
#[derive(Default)]
pub struct SceneSet {
    slots: Vec<Slot>,
}

impl std::fmt::Debug for SceneSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SceneSet")
            .field(
                "scenes",
                &self.slots.iter().map(|s| s.scene.id()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl SceneSet {
    /// An empty set.
    pub fn new() -> Self {
        SceneSet::default()
    }

    /// Number of scenes.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// `true` if empty.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Adds a scene; its timer counts from `now`.
    ///
    /// # Errors
    /// A duplicate id, more than [`MAX_SCENES`] scenes, or a device targeted by actions of more
    /// than [`MAX_SCENES_PER_DEVICE`] scenes.
    pub fn insert(&mut self, scene: Scene, now: UnixMillis) -> Result<(), SceneError> {
        if self.slots.iter().any(|s| s.scene.id == scene.id) {
            return Err(SceneError::DuplicateScene(scene.id));
        }
        if self.slots.len() >= MAX_SCENES {
            return Err(SceneError::Limit {
                what: "scenes",
                count: self.slots.len() + 1,
                max: MAX_SCENES,
            });
        }
        let targets = |s: &Scene| -> HashSet<String> {
            s.actions
                .iter()
                .filter_map(|a| match a {
                    SceneAction::SetProperty { device, .. }
                    | SceneAction::InvokeService { device, .. } => Some(device.key()),
                    SceneAction::TriggerScene { .. } => None,
                })
                .collect()
        };
        for key in targets(&scene) {
            let count = 1 + self
                .slots
                .iter()
                .filter(|s| targets(&s.scene).contains(&key))
                .count();
            if count > MAX_SCENES_PER_DEVICE {
                return Err(SceneError::Limit {
                    what: "scenes acting on one device",
                    count,
                    max: MAX_SCENES_PER_DEVICE,
                });
            }
        }
        let last = vec![None; scene.conditions.len()];
        self.slots.push(Slot {
            scene,
            last,
            armed_from: now,
        });
        Ok(())
    }

    /// Removes a scene by id; `true` if it was there.
    pub fn remove(&mut self, id: &str) -> bool {
        let before = self.slots.len();
        self.slots.retain(|s| s.scene.id != id);
        before != self.slots.len()
    }

    /// A device reported properties (`params` of a property post: name → value, or name →
    /// `{"value", "time"}`). Records values conditions need, then fires matching triggers.
    pub fn handle_property_post(
        &mut self,
        now: UnixMillis,
        dev: DeviceId<'_>,
        params: &Value,
    ) -> Vec<Fired> {
        let Value::Object(params) = params else {
            return Vec::new();
        };
        let read = |name: &str| -> Option<Value> {
            params.get(name).map(|v| match v {
                Value::Object(o) if o.contains_key("value") => {
                    o.get("value").cloned().unwrap_or(Value::Null)
                }
                v => v.clone(),
            })
        };
        for slot in &mut self.slots {
            for (i, c) in slot.scene.conditions.iter().enumerate() {
                if let Condition::DeviceProperty {
                    device, property, ..
                } = c
                    && device.matches(&dev)
                    && let Some(v) = read(property)
                {
                    slot.last[i] = Some(v);
                }
            }
        }
        let fired: Vec<usize> = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.scene.triggers.iter().any(|t| match t {
                    Trigger::DeviceProperty {
                        device,
                        property,
                        comparison,
                    } => {
                        device.matches(&dev)
                            && match property {
                                None => !params.is_empty(),
                                Some(p) => read(p).is_some_and(|v| {
                                    comparison
                                        .as_ref()
                                        .is_none_or(|c| c.compare_type.holds(&v, &c.value))
                                }),
                            }
                    }
                    _ => false,
                })
            })
            .map(|(i, _)| i)
            .collect();
        self.fire(now, fired)
    }

    /// A device reported an event with output parameters.
    pub fn handle_event(
        &mut self,
        now: UnixMillis,
        dev: DeviceId<'_>,
        identifier: &str,
        params: &Value,
    ) -> Vec<Fired> {
        let fired: Vec<usize> = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.scene.triggers.iter().any(|t| match t {
                    Trigger::DeviceEvent {
                        device,
                        event,
                        property,
                        comparison,
                    } => {
                        device.matches(&dev)
                            && event.as_deref().is_none_or(|e| e == identifier)
                            && match (property, comparison) {
                                (Some(p), Some(c)) => params
                                    .get(p)
                                    .is_some_and(|v| c.compare_type.holds(v, &c.value)),
                                (Some(p), None) => params.get(p).is_some(),
                                (None, _) => true,
                            }
                    }
                    _ => false,
                })
            })
            .map(|(i, _)| i)
            .collect();
        self.fire(now, fired)
    }

    /// When the next timer trigger is due (`None`: no timers).
    pub fn poll_timeout(&self) -> Option<UnixMillis> {
        self.slots
            .iter()
            .filter_map(|s| s.scene.timer().and_then(|c| c.next_after(s.armed_from)))
            .min()
    }

    /// Fires the timers due at `now` (once each, however many firings were missed).
    pub fn handle_timeout(&mut self, now: UnixMillis) -> Vec<Fired> {
        let mut due = Vec::new();
        for (i, s) in self.slots.iter_mut().enumerate() {
            if let Some(next) = s.scene.timer().and_then(|c| c.next_after(s.armed_from))
                && next <= now
            {
                s.armed_from = now;
                due.push(i);
            }
        }
        self.fire(now, due)
    }

    fn conditions_hold(&self, slot: &Slot, now: UnixMillis) -> bool {
        slot.scene
            .conditions
            .iter()
            .enumerate()
            .all(|(i, c)| match c {
                Condition::TimeRange(cron) => cron.in_range(now),
                Condition::DeviceProperty { comparison, .. } => slot.last[i]
                    .as_ref()
                    .is_some_and(|v| comparison.compare_type.holds(v, &comparison.value)),
            })
    }

    fn fire(&self, now: UnixMillis, idx: Vec<usize>) -> Vec<Fired> {
        let mut out = Vec::new();
        for i in idx {
            let slot = &self.slots[i];
            if !self.conditions_hold(slot, now) {
                continue;
            }
            let mut fired = Fired {
                scene_id: slot.scene.id.clone(),
                actions: Vec::new(),
                skipped: Vec::new(),
            };
            let mut visited = vec![slot.scene.id.as_str()];
            self.expand(&slot.scene, now, &mut visited, &mut fired, 0);
            out.push(fired);
        }
        out
    }

    fn expand<'s>(
        &'s self,
        scene: &'s Scene,
        now: UnixMillis,
        visited: &mut Vec<&'s str>,
        out: &mut Fired,
        depth: usize,
    ) {
        for a in &scene.actions {
            match a {
                SceneAction::TriggerScene { scene_id } => {
                    let target = self.slots.iter().find(|s| &s.scene.id == scene_id);
                    match target {
                        Some(t)
                            if depth < MAX_CHAIN
                                && !visited.contains(&scene_id.as_str())
                                && self.conditions_hold(t, now) =>
                        {
                            visited.push(&t.scene.id);
                            self.expand(&t.scene, now, visited, out, depth + 1);
                        }
                        _ => out.skipped.push(scene_id.clone()),
                    }
                }
                other => out.actions.push(other.clone()),
            }
        }
    }
}
