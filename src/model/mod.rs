//! The ground floor: the types every stage shares and that import nothing above them. What enters:
//! nothing but std, serde and tokio's timer. What leaves: the keyword grades (`Level`), the optional server
//! features (`Capability`), load errors with file and line, the result model every reporter
//! renders, the redactor, placeholders and random values.
pub mod capability;
pub mod clock;
pub mod count;
pub mod duty;
pub mod level;
pub mod load_error;
pub mod password;
pub mod profile_fit;
pub mod placeholder;
pub mod redact;
pub mod result;
pub mod token;
