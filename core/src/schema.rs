//! The JSON Schema of every record type the faces exchange (feature `schema`).
//!
//! [`document`] is one JSON document whose `$defs` hold a schema per type, named as the Rust type
//! and built by schemars from the same serde attributes that shape the JSON, so the schema cannot
//! drift from what the core reads and writes. A face builds its typed records from it instead of
//! declaring their fields a second time: the Python package makes its record classes from this
//! document when it is imported.
//!
//! Two additions help a face build classes:
//! - `x-order` on a struct lists its fields in declaration order (a schema's `properties` are a
//!   JSON object, which carries no order);
//! - `default` on a type is the value a face's constructor starts from when the caller leaves a
//!   field out: the type's `Default`, a new registration, or (for [`ArchiveTransfer`]) a transfer
//!   by confidential mail.
//!
//! A face adds its own wire types to the same catalog with [`Catalog::add`] and
//! [`Catalog::record`] before [`Catalog::finish`].

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde::de::{DeserializeOwned, Visitor};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::codes::{Finding, Step, Verdict, VerdictKind};
use crate::disclosure::{DestinationSummary, Disclosure, Identity};
use crate::lifecycle::{
    Actor, AuditEntry, AuthStatus, Authorization, ChangeOverride, Command, Event, LoginReason,
    Outcome, Registration, Role, Section, Sections, Stage, VoidRequest,
};
use crate::policy::{Batch, Deadlines, MonthDay, Policy, ValidityBounds};
use crate::records::{
    Abroad, ArchiveTransfer, BasicInfo, ChsiAccount, Destination, DestinationData, Employer,
    HukouMigration, Study,
};
use crate::registry::store::{ChainFault, Summary};
use crate::registry::{
    DestinationImportReport, ImportMode, ImportReport, Placement, Query, Statistics,
};
use crate::reminders::{Reminder, ReminderOptions};
use crate::roster::{
    CellProblem, HeaderStyle, ParsedDestinations, ParsedRoster, RosterOptions, RosterRow,
    RosterScan,
};
use crate::validate::Problem;
use crate::{CohortSpec, Graduate};

/// The JSON Schema dialect of the document.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// A set of type schemas being collected into one document.
pub struct Catalog {
    generator: SchemaGenerator,
    order: Vec<(String, &'static [&'static str])>,
    defaults: Vec<(String, Value)>,
}

impl Default for Catalog {
    fn default() -> Self {
        Self::new()
    }
}

impl Catalog {
    /// An empty catalog (JSON Schema 2020-12, definitions under `$defs`).
    pub fn new() -> Self {
        Catalog {
            generator: SchemaSettings::draft2020_12().into_generator(),
            order: Vec::new(),
            defaults: Vec::new(),
        }
    }

    /// Every record type of the core that the faces exchange, with the types they refer to.
    pub fn core() -> Self {
        let mut c = Catalog::new();
        // Records and their validation.
        c.record::<BasicInfo>()
            .record::<Employer>()
            .record::<Study>()
            .record::<Abroad>()
            .record::<Destination>()
            .record::<ArchiveTransfer>()
            .record::<HukouMigration>()
            .record::<DestinationData>()
            .record::<ChsiAccount>()
            .record::<Problem>();
        // Policies and the state machine.
        c.record::<MonthDay>()
            .record::<ValidityBounds>()
            .record::<Batch>()
            .record::<Deadlines>()
            .record::<Policy>()
            .add::<Actor>()
            .add::<Role>()
            .add::<Command>()
            .record::<Sections>()
            .record::<Authorization>()
            .add::<AuthStatus>()
            .record::<VoidRequest>()
            .record::<ChangeOverride>()
            .record::<Registration>()
            .add::<Stage>()
            .add::<Section>()
            .add::<LoginReason>()
            .record::<Event>()
            .record::<AuditEntry>()
            .record::<Outcome>()
            .record::<ReminderOptions>()
            .add::<Reminder>();
        // Verification.
        c.add::<Verdict>()
            .add::<VerdictKind>()
            .add::<Finding>()
            .add::<Step>()
            .record::<Disclosure>()
            .record::<Identity>()
            .record::<DestinationSummary>();
        // The registry, rosters and cohorts.
        c.record::<Query>()
            .record::<Summary>()
            .record::<Placement>()
            .record::<Statistics>()
            .add::<ImportMode>()
            .add::<ImportReport>()
            .add::<ChainFault>()
            .record::<RosterOptions>()
            .record::<crate::Limits>()
            .add::<HeaderStyle>()
            .record::<CellProblem>()
            .record::<RosterRow>()
            .add::<ParsedRoster>()
            .add::<RosterScan>()
            .add::<ParsedDestinations>()
            .add::<DestinationImportReport>()
            .record::<Graduate>()
            .record::<CohortSpec>();
        // Where a face's constructor starts from.
        c.default_of(&ValidityBounds::default())
            .default_of(&ReminderOptions::default())
            .default_of(&Sections::default())
            .default_of(&Query::default())
            .default_of(&RosterOptions::default())
            .default_of(&crate::Limits::default())
            .default_of(&CohortSpec::default());
        // A new registration: every field but its id, which the caller always gives.
        if let Ok(Value::Object(mut fresh)) = serde_json::to_value(Registration::new("")) {
            fresh.remove("id");
            c.default_value::<Registration>(Value::Object(fresh));
        }
        // Archives travel by confidential mail (机要通信) unless the platform says otherwise.
        if let Ok(transfer) =
            serde_json::from_value::<ArchiveTransfer>(json!({ "method": "confidential_mail" }))
        {
            c.default_of(&transfer);
        }
        c
    }

    /// Adds the schema of `T` (and of every type it refers to) under `$defs`.
    pub fn add<T: JsonSchema + ?Sized>(&mut self) -> &mut Self {
        self.generator.subschema_for::<T>();
        self
    }

    /// Adds the schema of a struct `T`, with its fields in declaration order (`x-order`).
    pub fn record<T: JsonSchema + DeserializeOwned>(&mut self) -> &mut Self {
        self.add::<T>();
        if let Some(fields) = field_order::<T>() {
            self.order.push((T::schema_name().into_owned(), fields));
        }
        self
    }

    /// Sets `value` as the `default` of its type: where a face's constructor starts from.
    pub fn default_of<T: JsonSchema + Serialize>(&mut self, value: &T) -> &mut Self {
        if let Ok(v) = serde_json::to_value(value) {
            self.default_value::<T>(v);
        }
        self
    }

    fn default_value<T: JsonSchema>(&mut self, value: Value) {
        self.add::<T>();
        self.defaults.push((T::schema_name().into_owned(), value));
    }

    /// The document: `{"$schema", "title", "$defs"}`.
    pub fn finish(mut self) -> Value {
        let mut defs = self.generator.take_definitions(true);
        for (name, fields) in self.order {
            if let Some(Value::Object(def)) = defs.get_mut(&name) {
                def.insert("x-order".into(), json!(fields));
            }
        }
        for (name, value) in self.defaults {
            if let Some(Value::Object(def)) = defs.get_mut(&name) {
                def.insert("default".into(), value);
            }
        }
        let mut doc = Map::new();
        doc.insert("$schema".into(), json!(DIALECT));
        doc.insert("title".into(), json!("gradreg records"));
        doc.insert("$defs".into(), Value::Object(defs));
        Value::Object(doc)
    }
}

/// The JSON Schema of every record type of the core (see the module documentation).
pub fn document() -> Value {
    Catalog::core().finish()
}

/// The field names of a struct in declaration order, as serde's derive hands them to a
/// deserializer; `None` for types that are not plain structs (enums, flattened structs).
pub fn field_order<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    let mut probe = FieldProbe(None);
    // The probe always ends the deserialization with an error once it has seen the fields.
    let _ = T::deserialize(&mut probe);
    probe.0
}

/// A deserializer that only records the field list of the struct asked for.
struct FieldProbe(Option<&'static [&'static str]>);

impl<'de> serde::Deserializer<'de> for &mut FieldProbe {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = Some(fields);
        Err(serde::de::Error::custom("fields recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }

    #[test]
    fn the_document_is_complete_and_ordered() {
        let doc = document();
        let defs = doc["$defs"].as_object().unwrap();
        let mut all = Vec::new();
        refs(&doc, &mut all);
        for r in all {
            let name = r.strip_prefix("#/$defs/").unwrap();
            assert!(defs.contains_key(name), "dangling {r}");
        }
        let order: Vec<&str> = defs["BasicInfo"]["x-order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(order[..3], ["name", "gender", "id_number"]);
        if !cfg!(feature = "field-probe") {
            assert_eq!(order.last(), Some(&"class_name"));
        }
        assert!(
            defs["Actor"].get("x-order").is_none(),
            "a tagged enum has no field order"
        );
        // A new registration's defaults leave the id to the caller.
        let fresh = &defs["Registration"]["default"];
        assert_eq!(fresh["version"], 0);
        assert!(fresh.get("id").is_none());
        assert_eq!(
            defs["ArchiveTransfer"]["default"]["method"],
            "confidential_mail"
        );
        assert_eq!(defs["ValidityBounds"]["default"]["max_days"], 180);
    }

    #[test]
    fn enums_list_their_values_in_declaration_order() {
        let doc = document();
        let text = doc["$defs"]["Stage"].to_string();
        let mut at = 0;
        for s in Stage::ALL {
            let found = text[at..]
                .find(&format!("\"{}\"", s.as_str()))
                .unwrap_or_else(|| panic!("{} missing or out of order", s.as_str()));
            at += found;
        }
    }

    #[test]
    fn field_order_is_none_for_enums_and_flattened_structs() {
        assert!(field_order::<Actor>().is_none());
        assert!(field_order::<Reminder>().is_none());
        assert_eq!(field_order::<MonthDay>(), Some(&["month", "day"][..]));
    }
}
