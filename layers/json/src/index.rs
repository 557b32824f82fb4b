//! `value["key"]`, `value[0]` and comparisons with plain Rust values and `serde_json::Value`, as
//! serde_json offers them, so code and tests read the same whichever JSON type they hold.

use std::ops::{Index, IndexMut};

use crate::value::{Map, Value, numbers_equal};

static NULL: Value = Value::Null;

impl Index<&str> for Value {
    type Output = Value;
    /// The member `key`, or `null` when there is none or this is not an object.
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

impl Index<usize> for Value {
    type Output = Value;
    /// Item `i`, or `null` when out of bounds or this is not an array.
    fn index(&self, i: usize) -> &Value {
        self.as_array().and_then(|a| a.get(i)).unwrap_or(&NULL)
    }
}

impl IndexMut<&str> for Value {
    /// The member `key`, inserted as `null` when missing; `null` itself becomes an empty object first.
    /// Panics on any other type, as serde_json does.
    fn index_mut(&mut self, key: &str) -> &mut Value {
        if self.is_null() {
            *self = Value::object();
        }
        let type_name = self.type_name();
        let map: &mut Map = self
            .as_object_mut()
            .unwrap_or_else(|| panic!("cannot index into a {type_name} with a key"));
        map.entry(key.into()).or_default()
    }
}

impl IndexMut<usize> for Value {
    /// Item `i`. Panics when this is not an array or `i` is out of bounds, as serde_json does.
    fn index_mut(&mut self, i: usize) -> &mut Value {
        let type_name = self.type_name();
        let items = self
            .as_array_mut()
            .unwrap_or_else(|| panic!("cannot index into a {type_name} with a number"));
        let len = items.len();
        items
            .get_mut(i)
            .unwrap_or_else(|| panic!("index {i} out of bounds for an array of {len}"))
    }
}

impl PartialEq<serde_json::Value> for Value {
    fn eq(&self, other: &serde_json::Value) -> bool {
        match (self, other) {
            (Value::Null, serde_json::Value::Null) => true,
            (Value::Bool(a), serde_json::Value::Bool(b)) => a == b,
            (Value::Number(a), serde_json::Value::Number(b)) => numbers_equal(a, b),
            (Value::String(a), serde_json::Value::String(b)) => **a == **b,
            (Value::Array(a), serde_json::Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
            }
            (Value::Object(a), serde_json::Value::Object(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(&**k).is_some_and(|w| v == w))
            }
            _ => false,
        }
    }
}

impl PartialEq<Value> for serde_json::Value {
    fn eq(&self, other: &Value) -> bool {
        other == self
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == Some(other.as_str())
    }
}

impl PartialEq<bool> for Value {
    fn eq(&self, other: &bool) -> bool {
        self.as_bool() == Some(*other)
    }
}

macro_rules! eq_number {
    ($($t:ty),*) => {$(
        impl PartialEq<$t> for Value {
            fn eq(&self, other: &$t) -> bool {
                match (self, serde_json::Value::from(*other)) {
                    (Value::Number(a), serde_json::Value::Number(b)) => numbers_equal(a, &b),
                    _ => false,
                }
            }
        }
    )*};
}

eq_number!(i32, i64, u32, u64, usize, f64);

#[cfg(test)]
mod tests {
    use crate::json;

    #[test]
    fn indexing_reads_like_serde_json() {
        let v = json!({"a": [{"b": "x"}], "n": 3});
        assert_eq!(v["a"][0]["b"], "x");
        assert!(v["a"][7]["b"].is_null());
        assert!(v["n"]["deep"].is_null());
        assert_eq!(v["n"], 3);
        assert_eq!(v["n"], 3.0);
        assert_eq!(v, serde_json::json!({"a": [{"b": "x"}], "n": 3}));
        assert_ne!(v, serde_json::json!({"a": [{"b": "y"}], "n": 3}));
    }

    #[test]
    fn index_mut_copies_on_write_and_inserts() {
        let shared = json!({"a": {"b": 1}});
        let mut v = shared.clone();
        v["a"]["b"] = json!(2);
        v["c"]["d"] = json!(true);
        assert_eq!(shared, serde_json::json!({"a": {"b": 1}}));
        assert_eq!(v, serde_json::json!({"a": {"b": 2}, "c": {"d": true}}));
        assert_eq!(v.json_size(), v.to_json_string().len());
    }
}
