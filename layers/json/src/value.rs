//! The JSON value that flows between states.
//!
//! Every state reads and writes whole JSON documents, so a naive interpreter deep-copies the document
//! several times per transition (InputPath, Parameters, ResultPath, OutputPath). Here arrays, objects and
//! strings are reference-counted and copy-on-write: selecting `$.payload` or carrying the input through
//! `ResultPath` shares the subtree instead of copying it. Containers also cache their serialized size, so
//! the 256 KiB payload check (`States.DataLimitExceeded`) only walks the parts a state has just built.

use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
pub use serde_json::Number;

/// A shared, immutable string.
pub type Str = Arc<str>;

/// The entries of a JSON object, in insertion order.
pub type Map = indexmap::IndexMap<Str, Value, foldhash::fast::RandomState>;

/// A JSON value. Cloning is O(1).
#[derive(Clone, Default)]
pub enum Value {
    /// `null`
    #[default]
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, kept as integer or float the way it was written.
    Number(Number),
    /// A string.
    String(Str),
    /// An array.
    Array(Arc<Array>),
    /// An object.
    Object(Arc<Object>),
}

/// The contents of an array value, with its serialized size cached.
#[derive(Clone, Default)]
pub struct Array {
    items: Vec<Value>,
    size: OnceLock<usize>,
}

/// The contents of an object value, with its serialized size cached.
#[derive(Clone, Default)]
pub struct Object {
    map: Map,
    size: OnceLock<usize>,
}

impl std::ops::Deref for Array {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.items
    }
}

impl std::ops::Deref for Object {
    type Target = Map;
    fn deref(&self) -> &Map {
        &self.map
    }
}

impl Value {
    /// An empty object.
    pub fn object() -> Value {
        Value::Object(Arc::default())
    }

    /// An object built from `(key, value)` pairs.
    pub fn from_map(map: Map) -> Value {
        Value::Object(Arc::new(Object {
            map,
            size: OnceLock::new(),
        }))
    }

    /// An array built from values.
    pub fn from_vec(items: Vec<Value>) -> Value {
        Value::Array(Arc::new(Array {
            items,
            size: OnceLock::new(),
        }))
    }

    /// A string value.
    pub fn string(s: impl Into<Str>) -> Value {
        Value::String(s.into())
    }

    /// An integer value.
    pub fn int(i: i64) -> Value {
        Value::Number(Number::from(i))
    }

    /// A float value; NaN and infinities (which JSON cannot hold) become `null`.
    pub fn float(f: f64) -> Value {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }

    /// A number that is written as an integer when it has no fractional part and fits in i64.
    pub fn number_from_f64(f: f64) -> Value {
        if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 {
            Value::int(f as i64)
        } else {
            Value::float(f)
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this is a string.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// Whether this is an array.
    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number as f64, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().and_then(Number::as_f64)
    }

    /// The number as i64, if this is an integer (or a float with no fractional part) that fits.
    pub fn as_i64(&self) -> Option<i64> {
        let n = self.as_number()?;
        n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                .map(|f| f as i64)
        })
    }

    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(&a.items),
            _ => None,
        }
    }

    /// The entries, if this is an object.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(o) => Some(&o.map),
            _ => None,
        }
    }

    /// Mutable items of an array, copying them first if they are shared.
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(a) => {
                let a = Arc::make_mut(a);
                a.size = OnceLock::new();
                Some(&mut a.items)
            }
            _ => None,
        }
    }

    /// Mutable entries of an object, copying them first if they are shared.
    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(o) => {
                let o = Arc::make_mut(o);
                o.size = OnceLock::new();
                Some(&mut o.map)
            }
            _ => None,
        }
    }

    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.get(key))
    }

    /// The JSON type name as AWS's error messages spell it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// The length in bytes of this value serialized as compact JSON (what AWS counts against the 256 KiB
    /// payload quota). Containers cache the figure, so an unchanged shared subtree is never walked twice.
    pub fn json_size(&self) -> usize {
        match self {
            Value::Null => 4,
            Value::Bool(true) => 4,
            Value::Bool(false) => 5,
            Value::Number(n) => number_len(n),
            Value::String(s) => escaped_len(s),
            Value::Array(a) => *a.size.get_or_init(|| {
                2 + a.items.iter().map(Value::json_size).sum::<usize>()
                    + a.items.len().saturating_sub(1)
            }),
            Value::Object(o) => *o.size.get_or_init(|| {
                2 + o
                    .map
                    .iter()
                    .map(|(k, v)| escaped_len(k) + 1 + v.json_size())
                    .sum::<usize>()
                    + o.map.len().saturating_sub(1)
            }),
        }
    }

    /// Converts to a `serde_json::Value` (a deep copy).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::Array(a) => {
                serde_json::Value::Array(a.items.iter().map(Value::to_json).collect())
            }
            Value::Object(o) => serde_json::Value::Object(
                o.map
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Compact JSON text.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string(self).expect("a Value always serializes")
    }

    /// Parses JSON text.
    pub fn from_json_str(text: &str) -> Result<Value, serde_json::Error> {
        serde_json::from_str(text)
    }
}

fn number_len(n: &Number) -> usize {
    if let Some(u) = n.as_u64() {
        u.checked_ilog10().map_or(1, |d| d as usize + 1)
    } else if let Some(i) = n.as_i64() {
        1 + i
            .unsigned_abs()
            .checked_ilog10()
            .map_or(1, |d| d as usize + 1)
    } else {
        n.to_string().len()
    }
}

fn escaped_len(s: &str) -> usize {
    2 + s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum::<usize>()
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => numbers_equal(a, b),
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => Arc::ptr_eq(a, b) || a.items == b.items,
            (Value::Object(a), Value::Object(b)) => {
                Arc::ptr_eq(a, b)
                    || (a.map.len() == b.map.len()
                        && a.map.iter().all(|(k, v)| b.map.get(k) == Some(v)))
            }
            _ => false,
        }
    }
}

/// JSON numbers compare by value: `1` equals `1.0`.
pub(crate) fn numbers_equal(a: &Number, b: &Number) -> bool {
    match (a.as_i64(), b.as_i64(), a.as_u64(), b.as_u64()) {
        (Some(x), Some(y), _, _) => x == y,
        (_, _, Some(x), Some(y)) => x == y,
        _ => a.as_f64() == b.as_f64(),
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json_string())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json_string())
    }
}

impl From<&serde_json::Value> for Value {
    fn from(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.clone()),
            serde_json::Value::String(s) => Value::String(s.as_str().into()),
            serde_json::Value::Array(a) => Value::from_vec(a.iter().map(Value::from).collect()),
            serde_json::Value::Object(o) => Value::from_map(
                o.iter()
                    .map(|(k, v)| (Str::from(k.as_str()), Value::from(v)))
                    .collect(),
            ),
        }
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Value {
        Value::from(&v)
    }
}

impl From<&Value> for serde_json::Value {
    fn from(v: &Value) -> serde_json::Value {
        v.to_json()
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::int(i)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s.into())
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::from_vec(items)
    }
}

impl From<Map> for Value {
    fn from(map: Map) -> Value {
        Value::from_map(map)
    }
}

impl FromIterator<(Str, Value)> for Value {
    fn from_iter<I: IntoIterator<Item = (Str, Value)>>(iter: I) -> Value {
        Value::from_map(iter.into_iter().collect())
    }
}

impl FromIterator<Value> for Value {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Value {
        Value::from_vec(iter.into_iter().collect())
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => n.serialize(s),
            Value::String(v) => s.serialize_str(v),
            Value::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.items.len()))?;
                for item in &a.items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(o) => {
                let mut map = s.serialize_map(Some(o.map.len()))?;
                for (k, v) in &o.map {
                    map.serialize_entry(&**k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Number(i.into()))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(Value::Number(u.into()))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        // serde_json reports the integer `-0` as the float -0.0; AWS (Jackson) reads it as the integer 0.
        if f == 0.0 && f.is_sign_negative() {
            return Ok(Value::int(0));
        }
        Ok(Value::float(f))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.into()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s.into()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Deserialize::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::from_vec(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map =
            Map::with_capacity_and_hasher(access.size_hint().unwrap_or(0), Default::default());
        while let Some(key) = access.next_key::<String>()? {
            let value = access.next_value()?;
            map.insert(key.into(), value);
        }
        Ok(Value::from_map(map))
    }
}

/// Builds a [`Value`] from JSON syntax, like `serde_json::json!`.
#[macro_export]
macro_rules! json {
    ($($t:tt)+) => {
        $crate::Value::from(::serde_json::json!($($t)+))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_size_matches_serialized_length() {
        let text = r#"{"a":[1,-20,3.5,"x\"y\n",null,true,false,{}],"b":{"c":"\u0001é"},"d":[]}"#;
        let v = Value::from_json_str(text).unwrap();
        assert_eq!(v.json_size(), v.to_json_string().len());
    }

    #[test]
    fn size_cache_is_reset_on_mutation() {
        let mut v = Value::from_json_str(r#"{"a":{"b":1}}"#).unwrap();
        assert_eq!(v.json_size(), 13);
        v.as_object_mut()
            .unwrap()
            .insert("c".into(), Value::int(22));
        assert_eq!(v.json_size(), v.to_json_string().len());
    }

    #[test]
    fn clone_shares_and_mutation_copies() {
        let a = Value::from_json_str(r#"{"k":[1,2]}"#).unwrap();
        let mut b = a.clone();
        b.as_object_mut().unwrap().insert("k".into(), Value::Null);
        assert_eq!(a.to_json_string(), r#"{"k":[1,2]}"#);
        assert_eq!(b.to_json_string(), r#"{"k":null}"#);
    }

    #[test]
    fn numbers_compare_by_value() {
        assert_eq!(Value::int(1), Value::float(1.0));
        assert_ne!(Value::int(1), Value::float(1.5));
    }
}
