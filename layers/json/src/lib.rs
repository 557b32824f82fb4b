//! A JSON value built for passing one document through many steps without copying it: arrays,
//! objects and strings are reference-counted and copy-on-write, and containers cache their serialized
//! size. The ASL engine moves it between states; SOAR's task functions read and write it directly
//! through serde ([`from_value`], [`to_value`]), so a finding travels through a whole workflow without
//! being converted to another JSON type and back at every task.
#![warn(missing_docs)]

mod de;
mod index;
mod ser;
mod value;

pub use de::from_value;
pub use ser::to_value;
pub use value::{Array, Map, Number, Object, Str, Value};
