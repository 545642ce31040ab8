//! The tasks Butterfly offers, by Gymnasium id.

use super::task::Task;
use super::tasks_v4::{ANT, HALF_CHEETAH, HOPPER, HUMANOID, WALKER2D};
use super::tasks_v5::{ANT_V5, HALF_CHEETAH_V5, HOPPER_V5, HUMANOID_V5, WALKER2D_V5};

const TASKS: [&Task; 10] = [
    &WALKER2D,
    &HOPPER,
    &HALF_CHEETAH,
    &ANT,
    &HUMANOID,
    &WALKER2D_V5,
    &HOPPER_V5,
    &HALF_CHEETAH_V5,
    &ANT_V5,
    &HUMANOID_V5,
];

/// Every task id, v4 then v5.
pub const TASK_IDS: [&str; 10] = {
    let mut ids = [""; 10];
    let mut i = 0;
    while i < TASKS.len() {
        ids[i] = TASKS[i].id;
        i += 1;
    }
    ids
};

pub(crate) fn task(id: &str) -> Option<&'static Task> {
    TASKS.into_iter().find(|t| t.id == id)
}
