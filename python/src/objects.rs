//! Core results straight into the package's Python objects: a serde serializer that writes what
//! `serde_json` would write as JSON as Python values instead (`dict`, `list`, `str`, `int`,
//! `float`, `bool`, `None`), and builds a record class's instance in place of the `dict` of
//! every struct the package has a class for — no JSON text, no `json.loads`, no `from_dict`.
//!
//! The package hands over its *plans* (`gradreg._schema.native_plans()`): for each Rust type
//! name, the class, its default field values, the factories of its mutable defaults and the
//! converters of the fields whose Python value is not the JSON one (instants, floats, records
//! the builder leaves as dicts: tagged unions). An instance is made with `object.__new__` and
//! the fields written straight into its `__dict__`, then the defaults of those not written, as
//! `Record._from_core` does in Python. A struct without a plan stays a `dict`, and the
//! converter of the field holding it makes the object.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Display;
use std::rc::Rc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use serde::ser::{self, Serialize};

/// An error while building: a Python exception, or a serde message.
#[derive(Debug)]
pub enum BuildError {
    /// A Python call failed.
    Py(PyErr),
    /// The serializer refused a value (a map key that is not text).
    Msg(String),
}

impl Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Py(e) => write!(f, "{e}"),
            BuildError::Msg(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for BuildError {}

impl ser::Error for BuildError {
    fn custom<T: Display>(msg: T) -> Self {
        BuildError::Msg(msg.to_string())
    }
}

impl From<std::convert::Infallible> for BuildError {
    fn from(e: std::convert::Infallible) -> Self {
        match e {}
    }
}

impl From<pyo3::CastIntoError<'_>> for BuildError {
    fn from(e: pyo3::CastIntoError<'_>) -> Self {
        BuildError::Py(e.into())
    }
}

impl From<PyErr> for BuildError {
    fn from(e: PyErr) -> Self {
        BuildError::Py(e)
    }
}

type R<'py> = Result<Bound<'py, PyAny>, BuildError>;

/// Builds `value` as Python objects with the package's `plans` (a `dict` of Rust type name to
/// `(class, defaults, factories, converters)`: `defaults` a `dict`, `factories` and
/// `converters` lists of `(field, callable)`).
pub fn build<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
    plans: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let new = py
        .import("builtins")?
        .getattr("object")?
        .getattr("__new__")?;
    let b = Builder {
        py,
        plans,
        new,
        keys: RefCell::new(HashMap::new()),
        found: RefCell::new(HashMap::new()),
        strings: RefCell::new(HashMap::new()),
    };
    // The objects made hold no cycles: the cyclic collector, which would walk the growing
    // heap again and again while they are made, pauses until they are all made.
    let gc = py.import("gc")?;
    let collecting = gc.call_method0("isenabled")?.is_truthy()?;
    if collecting {
        gc.call_method0("disable")?;
    }
    let out = value.serialize(&b);
    if collecting {
        gc.call_method0("enable")?;
    }
    out.map_err(|e| match e {
        BuildError::Py(e) => e,
        BuildError::Msg(m) => pyo3::exceptions::PyValueError::new_err(m),
    })
}

/// Values up to this many bytes are made once per build and shared (codes, names of schools,
/// colleges and majors, empty cells repeat on every row).
const SHARED_MAX_BYTES: usize = 48;
/// At most this many distinct shared values per build.
const SHARED_MAX_VALUES: usize = 50_000;

/// The identity of a `&'static str` (its address and length), for the caches.
fn id(s: &'static str) -> (usize, usize) {
    (s.as_ptr() as usize, s.len())
}

/// `(field, callable)` pairs.
type Pairs<'py> = Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>;

/// `(field, converter, class)`: the converter is skipped for a value already of the class.
type Converters<'py> = Vec<(
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
    Option<Bound<'py, PyAny>>,
)>;

/// The plan found for a type name (none: the struct stays a dict).
type Found<'py> = Option<Rc<Plan<'py>>>;

/// How to make the instance of one class.
struct Plan<'py> {
    cls: Bound<'py, PyAny>,
    defaults: Bound<'py, PyDict>,
    factories: Pairs<'py>,
    converters: Converters<'py>,
}

/// `(field, callable)` pairs of a list.
fn pairs<'py>(list: &Bound<'py, PyAny>) -> PyResult<Pairs<'py>> {
    let mut out = Vec::new();
    for pair in list.try_iter()? {
        let pair = pair?;
        out.push((pair.get_item(0)?, pair.get_item(1)?));
    }
    Ok(out)
}

/// `(field, converter, class or None)` triples of a list.
fn converters<'py>(list: &Bound<'py, PyAny>) -> PyResult<Converters<'py>> {
    let mut out = Vec::new();
    for t in list.try_iter()? {
        let t = t?;
        let cls = t.get_item(2)?;
        out.push((
            t.get_item(0)?,
            t.get_item(1)?,
            (!cls.is_none()).then_some(cls),
        ));
    }
    Ok(out)
}

/// The serializer: borrowed by every value it writes.
struct Builder<'a, 'py> {
    py: Python<'py>,
    plans: &'a Bound<'py, PyDict>,
    /// `object.__new__`.
    new: Bound<'py, PyAny>,
    /// Field names as interned Python strings.
    keys: RefCell<HashMap<(usize, usize), Bound<'py, PyString>>>,
    /// The plan of each type name met (none: the struct stays a dict).
    found: RefCell<HashMap<(usize, usize), Found<'py>>>,
    /// Short values made so far.
    strings: RefCell<HashMap<Box<str>, Bound<'py, PyString>>>,
}

impl<'py> Builder<'_, 'py> {
    /// The interned Python string of a field name.
    fn key(&self, name: &'static str) -> Bound<'py, PyString> {
        self.keys
            .borrow_mut()
            .entry(id(name))
            .or_insert_with(|| PyString::intern(self.py, name))
            .clone()
    }

    /// The plan of the type `name`, if the package has a class for it.
    fn plan(&self, name: &'static str) -> PyResult<Found<'py>> {
        if let Some(found) = self.found.borrow().get(&id(name)) {
            return Ok(found.clone());
        }
        let plan = match self.plans.get_item(name)? {
            None => None,
            Some(t) => {
                let t = t.cast_into::<PyTuple>()?;
                Some(Rc::new(Plan {
                    cls: t.get_item(0)?,
                    defaults: t.get_item(1)?.cast_into::<PyDict>()?,
                    factories: pairs(&t.get_item(2)?)?,
                    converters: converters(&t.get_item(3)?)?,
                }))
            }
        };
        self.found.borrow_mut().insert(id(name), plan.clone());
        Ok(plan)
    }

    /// A new instance of the plan's class and its (empty) `__dict__`.
    fn start(&self, plan: &Plan<'py>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyDict>)> {
        let out = self.new.call1((&plan.cls,))?;
        let dict = out
            .getattr(pyo3::intern!(self.py, "__dict__"))?
            .cast_into::<PyDict>()?;
        Ok((out, dict))
    }

    /// Completes an instance whose `__dict__` holds the fields written: converts those that
    /// need it, then gives the others their defaults.
    fn finish(&self, plan: &Plan<'py>, dict: &Bound<'py, PyDict>) -> PyResult<()> {
        for (key, convert, cls) in &plan.converters {
            if let Some(v) = dict.get_item(key)? {
                let built = match cls {
                    Some(c) => v.is_instance(c)?,
                    None => false,
                };
                if !v.is_none() && !built {
                    dict.set_item(key, convert.call1((v,))?)?;
                }
            }
        }
        dict.update_if_missing(plan.defaults.as_mapping())?;
        for (key, factory) in &plan.factories {
            if !dict.contains(key)? {
                dict.set_item(key, factory.call0()?)?;
            }
        }
        Ok(())
    }
}

/// A list being written.
struct Seq<'a, 'py> {
    b: &'a Builder<'a, 'py>,
    items: Vec<Bound<'py, PyAny>>,
    /// The variant of an externally tagged tuple variant (`{variant: [...]}`).
    variant: Option<&'static str>,
}

/// A dict being written (a map, or a struct).
struct Map<'a, 'py> {
    b: &'a Builder<'a, 'py>,
    dict: Bound<'py, PyDict>,
    key: Option<Bound<'py, PyAny>>,
    /// The instance being filled (its `__dict__` is `dict`) and its plan.
    object: Option<(Bound<'py, PyAny>, Rc<Plan<'py>>)>,
    /// The variant of an externally tagged struct variant (`{variant: {...}}`).
    variant: Option<&'static str>,
}

impl<'a, 'py> ser::Serializer for &'a Builder<'a, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = BuildError;
    type SerializeSeq = Seq<'a, 'py>;
    type SerializeTuple = Seq<'a, 'py>;
    type SerializeTupleStruct = Seq<'a, 'py>;
    type SerializeTupleVariant = Seq<'a, 'py>;
    type SerializeMap = Map<'a, 'py>;
    type SerializeStruct = Map<'a, 'py>;
    type SerializeStructVariant = Map<'a, 'py>;

    fn serialize_bool(self, v: bool) -> R<'py> {
        Ok(pyo3::types::PyBool::new(self.py, v).to_owned().into_any())
    }
    fn serialize_i8(self, v: i8) -> R<'py> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> R<'py> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> R<'py> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> R<'py> {
        Ok(v.into_pyobject(self.py)?.into_any())
    }
    fn serialize_i128(self, v: i128) -> R<'py> {
        Ok(v.into_pyobject(self.py)?.into_any())
    }
    fn serialize_u8(self, v: u8) -> R<'py> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> R<'py> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> R<'py> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> R<'py> {
        Ok(v.into_pyobject(self.py)?.into_any())
    }
    fn serialize_u128(self, v: u128) -> R<'py> {
        Ok(v.into_pyobject(self.py)?.into_any())
    }
    fn serialize_f32(self, v: f32) -> R<'py> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> R<'py> {
        if v.is_finite() {
            Ok(v.into_pyobject(self.py)?.into_any())
        } else {
            // As serde_json writes a float that is not finite.
            Ok(self.py.None().into_bound(self.py))
        }
    }
    fn serialize_char(self, v: char) -> R<'py> {
        Ok(PyString::new(self.py, v.encode_utf8(&mut [0; 4])).into_any())
    }
    fn serialize_str(self, v: &str) -> R<'py> {
        if v.len() > SHARED_MAX_BYTES {
            return Ok(PyString::new(self.py, v).into_any());
        }
        if let Some(s) = self.strings.borrow().get(v) {
            return Ok(s.clone().into_any());
        }
        let s = PyString::new(self.py, v);
        let mut shared = self.strings.borrow_mut();
        if shared.len() < SHARED_MAX_VALUES {
            shared.insert(v.into(), s.clone());
        }
        Ok(s.into_any())
    }
    fn serialize_bytes(self, v: &[u8]) -> R<'py> {
        Ok(PyList::new(self.py, v)?.into_any())
    }
    fn serialize_none(self) -> R<'py> {
        Ok(self.py.None().into_bound(self.py))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R<'py> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> R<'py> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> R<'py> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> R<'py> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> R<'py> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> R<'py> {
        let d = PyDict::new(self.py);
        d.set_item(variant, value.serialize(self)?)?;
        Ok(d.into_any())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq<'a, 'py>, BuildError> {
        Ok(Seq {
            b: self,
            items: Vec::with_capacity(len.unwrap_or(0)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a, 'py>, BuildError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Seq<'a, 'py>, BuildError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Seq<'a, 'py>, BuildError> {
        let mut s = self.serialize_seq(Some(len))?;
        s.variant = Some(variant);
        Ok(s)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Map<'a, 'py>, BuildError> {
        Ok(Map {
            b: self,
            dict: PyDict::new(self.py),
            key: None,
            object: None,
            variant: None,
        })
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Map<'a, 'py>, BuildError> {
        let mut m = self.serialize_map(None)?;
        if let Some(plan) = self.plan(name)? {
            let (out, dict) = self.start(&plan)?;
            m.dict = dict;
            m.object = Some((out, plan));
        }
        Ok(m)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Map<'a, 'py>, BuildError> {
        let mut m = self.serialize_map(None)?;
        m.variant = Some(variant);
        Ok(m)
    }
}

impl<'py> Seq<'_, 'py> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BuildError> {
        self.items.push(value.serialize(self.b)?);
        Ok(())
    }

    fn done(self) -> R<'py> {
        let list = PyList::new(self.b.py, self.items)?.into_any();
        match self.variant {
            None => Ok(list),
            Some(v) => {
                let d = PyDict::new(self.b.py);
                d.set_item(v, list)?;
                Ok(d.into_any())
            }
        }
    }
}

impl<'py> ser::SerializeSeq for Seq<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = BuildError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BuildError> {
        self.push(value)
    }
    fn end(self) -> R<'py> {
        self.done()
    }
}

impl<'py> ser::SerializeTuple for Seq<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = BuildError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BuildError> {
        self.push(value)
    }
    fn end(self) -> R<'py> {
        self.done()
    }
}

impl<'py> ser::SerializeTupleStruct for Seq<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = BuildError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BuildError> {
        self.push(value)
    }
    fn end(self) -> R<'py> {
        self.done()
    }
}

impl<'py> ser::SerializeTupleVariant for Seq<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = BuildError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BuildError> {
        self.push(value)
    }
    fn end(self) -> R<'py> {
        self.done()
    }
}

impl<'py> Map<'_, 'py> {
    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), BuildError> {
        let v = value.serialize(self.b)?;
        self.dict.set_item(self.b.key(key), v)?;
        Ok(())
    }

    fn done(self) -> R<'py> {
        if let Some(v) = self.variant {
            let d = PyDict::new(self.b.py);
            d.set_item(v, self.dict)?;
            return Ok(d.into_any());
        }
        match self.object {
            Some((out, plan)) => {
                self.b.finish(&plan, &self.dict)?;
                Ok(out)
            }
            None => Ok(self.dict.into_any()),
        }
    }
}

impl<'py> ser::SerializeMap for Map<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = BuildError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), BuildError> {
        let k = key.serialize(self.b)?;
        if !k.is_instance_of::<PyString>() {
            // serde_json writes a number key as its text.
            self.key = Some(k.str()?.into_any());
        } else {
            self.key = Some(k);
        }
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BuildError> {
        let k = self
            .key
            .take()
            .ok_or_else(|| BuildError::Msg("a map value without its key".into()))?;
        self.dict.set_item(k, value.serialize(self.b)?)?;
        Ok(())
    }
    fn end(self) -> R<'py> {
        self.done()
    }
}

impl<'py> ser::SerializeStruct for Map<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = BuildError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), BuildError> {
        self.field(key, value)
    }
    fn end(self) -> R<'py> {
        self.done()
    }
}

impl<'py> ser::SerializeStructVariant for Map<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = BuildError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), BuildError> {
        self.field(key, value)
    }
    fn end(self) -> R<'py> {
        self.done()
    }
}
