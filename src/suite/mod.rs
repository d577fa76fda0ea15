//! The suite's data: where the tables come from, the profiles (endpoints, defaults, schemas), the
//! case tables validated into `Case`s, the threat catalogue and the user's selection. What
//! enters: `specs/` and `cases/` (embedded or a directory). What leaves: `Profile`s holding
//! validated cases, or a `LoadError` with file and line.
pub mod case;
pub mod profile;
mod raw;
pub mod selection;
pub mod source;
mod step;
pub mod table;
pub mod threat;
