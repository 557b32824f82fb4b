//! The comparison operators of Choice rules, one file per family.

pub(crate) mod is;
pub(crate) mod numeric;
pub(crate) mod string;
pub(crate) mod timestamp;

use std::cmp::Ordering;

/// The comparison a `String*`, `Numeric*` or `Timestamp*` operator makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    /// `*Equals`
    Equals,
    /// `*LessThan`
    LessThan,
    /// `*GreaterThan`
    GreaterThan,
    /// `*LessThanEquals`
    LessThanEquals,
    /// `*GreaterThanEquals`
    GreaterThanEquals,
}

impl Cmp {
    /// The comparison named by an operator's suffix, e.g. `GreaterThanEquals`.
    pub(crate) fn from_suffix(suffix: &str) -> Option<Cmp> {
        Some(match suffix {
            "Equals" => Cmp::Equals,
            "LessThan" => Cmp::LessThan,
            "GreaterThan" => Cmp::GreaterThan,
            "LessThanEquals" => Cmp::LessThanEquals,
            "GreaterThanEquals" => Cmp::GreaterThanEquals,
            _ => return None,
        })
    }

    /// Whether `ordering` (variable compared to operand) satisfies the comparison.
    pub(crate) fn accepts(self, ordering: Ordering) -> bool {
        match self {
            Cmp::Equals => ordering.is_eq(),
            Cmp::LessThan => ordering.is_lt(),
            Cmp::GreaterThan => ordering.is_gt(),
            Cmp::LessThanEquals => ordering.is_le(),
            Cmp::GreaterThanEquals => ordering.is_ge(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_accept_the_right_orderings() {
        use Ordering::{Equal, Greater, Less};
        let table = [
            (Cmp::Equals, [false, true, false]),
            (Cmp::LessThan, [true, false, false]),
            (Cmp::GreaterThan, [false, false, true]),
            (Cmp::LessThanEquals, [true, true, false]),
            (Cmp::GreaterThanEquals, [false, true, true]),
        ];
        for (cmp, expected) in table {
            assert_eq!(
                [Less, Equal, Greater].map(|o| cmp.accepts(o)),
                expected,
                "{cmp:?}"
            );
        }
        assert_eq!(
            Cmp::from_suffix("LessThanEquals"),
            Some(Cmp::LessThanEquals)
        );
        assert_eq!(Cmp::from_suffix("Matches"), None);
    }
}
