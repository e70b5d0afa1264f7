"""Record classes built from the core's schema.

The native module returns one JSON Schema document (``_native.schema()``) with a definition per
record type of the core, named as the Rust type, plus the native module's own wire types. A record
class names its definition by deriving from ``_fields.<Name>``::

    class BasicInfo(_fields.BasicInfo, _Validated):
        \"\"\"A graduate's basic information ...\"\"\"

When the class is created, ``Record.__init_subclass__`` reads the definition and makes the class
a dataclass with one field per property: its type, whether it is required, and its default all
come from the schema, and so does the field order (``x-order``, the Rust declaration order;
fields without a default come first, as dataclasses need). A field added to a Rust record is
therefore a field of the Python class on the next build, with no edit here. Tagged unions (an
``Actor`` is ``{"role": ..., ...}``) become one class whose fields are the tag and the union of
the variants' fields, checked against the variant the tag names.

``_fields.pyi`` spells the same fields for type checkers; ``python/tools/stubgen.py`` writes it
from the schema and CI checks that it is current.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import datetime
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    ClassVar,
    Dict,
    FrozenSet,
    List,
    Optional,
    Tuple,
    Type,
    TypeVar,
)

from . import _native
from ._convert import dumps, instant, parse_instant
from ._errors import ArgumentError, ArgumentTypeError, GradregError, _from_json, error_code

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda cls: cls


R = TypeVar("R", bound="Record")

#: The schema document of the native module.
DOCUMENT: Dict[str, Any] = json.loads(_native.schema())
#: Its definitions, by type name.
DEFS: Dict[str, Any] = DOCUMENT["$defs"]

_REF = "#/$defs/"


def _ref_name(node: Dict[str, Any]) -> Optional[str]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF):
        return ref[len(_REF) :]
    return None


def _consts(alternatives: List[Any]) -> Optional[List[str]]:
    """The values of a string enum written as alternatives (``oneOf`` of ``const``s)."""
    out = []
    for a in alternatives:
        if not isinstance(a, dict) or not isinstance(a.get("const"), str):
            return None
        out.append(a["const"])
    return out


def enum_values(name: str) -> Tuple[str, ...]:
    """The values of the string enum ``name`` of the schema, in declaration order."""
    node = DEFS[name]
    if isinstance(node.get("enum"), list):
        return tuple(str(v) for v in node["enum"])
    found = _consts(node.get("oneOf", []))
    if found is None:
        raise KeyError(f"{name} is not a string enum")
    return tuple(found)


# ---- kinds: how one JSON value maps to Python ----


class Kind:
    """How a value of one schema type is checked, converted from JSON and written back."""

    def load(self, where: str, value: Any) -> Any:
        """Checks ``value`` (JSON or already Python) and converts it; ``ArgumentTypeError``
        naming ``where`` when it does not fit."""
        raise NotImplementedError

    def dump(self, value: Any) -> Any:
        """The JSON form of a Python value of this kind."""
        return value

    def spell(self, names: Callable[[str], str]) -> str:
        """The Python annotation of this kind; ``names`` spells a record class."""
        raise NotImplementedError

    def trusted(self) -> Optional[Callable[[Any], Any]]:
        """The converter of a value the core wrote (already of the schema's shape, so nothing
        is checked), or ``None`` when the JSON value is the Python value."""
        return None

    def wrong(self, where: str, value: Any) -> ArgumentTypeError:
        what = self.spell(lambda n: n)
        return ArgumentTypeError(
            f"{where} must be {what}, got {type(value).__name__} ({value!r:.40})"
        )


class _Scalar(Kind):
    def __init__(self, tp: type) -> None:
        self.tp = tp

    def load(self, where: str, value: Any) -> Any:
        if self.tp is float:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
        elif self.tp is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        elif isinstance(value, self.tp):
            return value
        raise self.wrong(where, value)

    def spell(self, names: Callable[[str], str]) -> str:
        return self.tp.__name__

    def trusted(self) -> Optional[Callable[[Any], Any]]:
        return float if self.tp is float else None


class _Instant(Kind):
    def load(self, where: str, value: Any) -> Any:
        if isinstance(value, datetime):
            instant(value)
            return value
        if isinstance(value, str):
            return parse_instant(value)
        raise self.wrong(where, value)

    def dump(self, value: Any) -> Any:
        return instant(value) if isinstance(value, datetime) else value

    def spell(self, names: Callable[[str], str]) -> str:
        return "datetime"

    def trusted(self) -> Optional[Callable[[Any], Any]]:
        return parse_instant


class _Any(Kind):
    def load(self, where: str, value: Any) -> Any:
        return value

    def dump(self, value: Any) -> Any:
        return _plain(value)

    def spell(self, names: Callable[[str], str]) -> str:
        return "Any"


class _Optional(Kind):
    def __init__(self, inner: Kind) -> None:
        self.inner = inner

    def load(self, where: str, value: Any) -> Any:
        return None if value is None else self.inner.load(where, value)

    def dump(self, value: Any) -> Any:
        return None if value is None else self.inner.dump(value)

    def spell(self, names: Callable[[str], str]) -> str:
        return f"Optional[{self.inner.spell(names)}]"

    def trusted(self) -> Optional[Callable[[Any], Any]]:
        inner = self.inner.trusted()
        if inner is None:
            return None
        return lambda v: None if v is None else inner(v)


class _List(Kind):
    def __init__(self, item: Kind) -> None:
        self.item = item

    def load(self, where: str, value: Any) -> Any:
        if not isinstance(value, list):
            raise ArgumentTypeError(f"{where} must be a list, got {type(value).__name__}")
        return [self.item.load(where, v) for v in value]

    def dump(self, value: Any) -> Any:
        return [self.item.dump(v) for v in value] if isinstance(value, list) else value

    def spell(self, names: Callable[[str], str]) -> str:
        return f"List[{self.item.spell(names)}]"

    def trusted(self) -> Optional[Callable[[Any], Any]]:
        item = self.item.trusted()
        if item is None:
            return None
        return lambda v: [item(x) for x in v]


class _Dict(Kind):
    def __init__(self, item: Kind) -> None:
        self.item = item

    def load(self, where: str, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ArgumentTypeError(f"{where} must be a dict, got {type(value).__name__}")
        return {str(k): self.item.load(where, v) for k, v in value.items()}

    def dump(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {k: self.item.dump(v) for k, v in value.items()}

    def spell(self, names: Callable[[str], str]) -> str:
        return f"Dict[str, {self.item.spell(names)}]"

    def trusted(self) -> Optional[Callable[[Any], Any]]:
        item = self.item.trusted()
        if item is None:
            return None
        return lambda v: {k: item(x) for k, x in v.items()}


class _Error(Kind):
    """An error in a result list (``ErrorJson``): the package's exception object."""

    def load(self, where: str, value: Any) -> Any:
        if isinstance(value, GradregError):
            return value
        if isinstance(value, dict) and "code" in value:
            return _from_json(value)
        raise self.wrong(where, value)

    def dump(self, value: Any) -> Any:
        if not isinstance(value, GradregError):
            return value
        return {"code": value.code, "message": value.message, "detail": value.detail}

    def spell(self, names: Callable[[str], str]) -> str:
        return "GradregError"

    def trusted(self) -> Optional[Callable[[Any], Any]]:
        return lambda v: self.load("error", v)


class _Ref(Kind):
    """A named type: its record class when the package has one, else its JSON shape."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._class: Optional[Kind] = None
        self._shape: Optional[Kind] = None

    def target(self) -> Kind:
        if self._class is not None:
            return self._class
        cls = CLASSES.get(self.name)
        if cls is not None:
            # Classes are declared once, at import: from then on the reference is the class.
            self._class = _Class(cls)
            return self._class
        if self.name in SPECIAL:
            return SPECIAL[self.name]
        if self._shape is None:
            self._shape = shape_of(DEFS[self.name], named=False)
        return self._shape

    def load(self, where: str, value: Any) -> Any:
        return self.target().load(where, value)

    def dump(self, value: Any) -> Any:
        return self.target().dump(value)

    def spell(self, names: Callable[[str], str]) -> str:
        if self.name in CLASSES:
            return names(self.name)
        return self.target().spell(names)

    def trusted(self) -> Optional[Callable[[Any], Any]]:
        return self.target().trusted()


class _Class(Kind):
    def __init__(self, cls: Type["Record"]) -> None:
        self.cls = cls

    def load(self, where: str, value: Any) -> Any:
        if isinstance(value, self.cls):
            return value
        return self.cls.from_dict(value)

    def dump(self, value: Any) -> Any:
        return value.to_dict() if isinstance(value, Record) else _plain(value)

    def spell(self, names: Callable[[str], str]) -> str:
        return self.cls.__name__

    def trusted(self) -> Optional[Callable[[Any], Any]]:
        return self.cls._from_core


#: Definitions with a Python type of their own that is not a record class.
SPECIAL: Dict[str, Kind] = {"ErrorJson": _Error()}


def shape_of(node: Dict[str, Any], named: bool = True) -> Kind:
    """The kind of a schema node (``named``: a ``$ref`` stays a reference)."""
    name = _ref_name(node)
    if name is not None and named:
        return _Ref(name)
    if name is not None:
        return shape_of(DEFS[name], named=False)
    for key in ("anyOf", "oneOf"):
        alts = node.get(key)
        if isinstance(alts, list):
            rest = [a for a in alts if not (isinstance(a, dict) and a.get("type") == "null")]
            if len(rest) < len(alts):
                inner = shape_of(rest[0]) if len(rest) == 1 else _Any()
                return _Optional(inner)
            if _consts(alts) is not None:
                return _Scalar(str)
            return _Dict(_Any()) if all(a.get("type") == "object" for a in alts) else _Any()
    tp = node.get("type")
    if isinstance(tp, list):
        rest = [t for t in tp if t != "null"]
        base = shape_of({**node, "type": rest[0]}) if len(rest) == 1 else _Any()
        return _Optional(base) if "null" in tp else base
    if isinstance(node.get("enum"), list) or "const" in node:
        return _Scalar(str)
    if tp == "string":
        return _Instant() if node.get("format") == "date-time" else _Scalar(str)
    if tp == "integer":
        return _Scalar(int)
    if tp == "number":
        return _Scalar(float)
    if tp == "boolean":
        return _Scalar(bool)
    if tp == "array":
        items = node.get("items")
        return _List(shape_of(items) if isinstance(items, dict) else _Any())
    if tp == "object":
        extra = node.get("additionalProperties")
        return _Dict(shape_of(extra) if isinstance(extra, dict) else _Any())
    return _Any()


# ---- the fields of a record ----

_NO_DEFAULT: Any = object()


@dataclasses.dataclass
class FieldSpec:
    """One field of a record class, from the schema."""

    name: str
    kind: Kind
    #: The JSON default, or ``_NO_DEFAULT`` when the caller must give the field.
    default: Any
    doc: str = ""

    @property
    def required(self) -> bool:
        """Whether the constructor needs the field."""
        return self.default is _NO_DEFAULT

    def dataclass_field(self) -> Any:
        """The ``dataclasses.field`` of the default."""
        value = self.default
        if value is None or isinstance(value, (str, int, float, bool)):
            return dataclasses.field(default=self.kind.load(self.name, value))
        kind, name = self.kind, self.name
        return dataclasses.field(default_factory=lambda: kind.load(name, copy.deepcopy(value)))


@dataclasses.dataclass
class Spec:
    """The fields of a record class, and for a tagged union its tag and variants."""

    name: str
    fields: List[FieldSpec]
    #: The tag property of a tagged union (``role`` of an actor).
    tag: Optional[str] = None
    #: For each tag value, the fields its variant requires.
    variants: Dict[str, FrozenSet[str]] = dataclasses.field(default_factory=dict)
    #: For each tag value, every field its variant has (required or optional).
    variant_allows: Dict[str, FrozenSet[str]] = dataclasses.field(default_factory=dict)
    #: The fields of any variant (optional in the class).
    variant_fields: Tuple[str, ...] = ()

    @property
    def names(self) -> FrozenSet[str]:
        found = self.__dict__.get("_names")
        if found is None:
            found = frozenset(f.name for f in self.fields)
            self.__dict__["_names"] = found
        return found

    @property
    def kinds(self) -> Dict[str, Kind]:
        """The kind of each field, by name."""
        found = self.__dict__.get("_kinds")
        if found is None:
            found = {f.name: f.kind for f in self.fields}
            self.__dict__["_kinds"] = found
        return found


def _object(node: Dict[str, Any]) -> Tuple[Dict[str, Any], List[str], List[str]]:
    """The properties, required names and declaration order of an object schema, following a
    ``$ref`` and ``allOf`` to the objects they merge in."""
    props: Dict[str, Any] = {}
    required: List[str] = []
    order: List[str] = []
    parts = [node] + [a for a in node.get("allOf", []) if isinstance(a, dict)]
    name = _ref_name(node)
    if name is not None:
        parts.append(DEFS[name])
    for part in parts:
        if part is not node and _ref_name(part) is not None:
            sub = _object(DEFS[str(_ref_name(part))])
            own: Tuple[Dict[str, Any], List[str], List[str]] = sub
        else:
            p = part.get("properties", {})
            req = [str(r) for r in part.get("required", [])]
            declared = part.get("x-order")
            if not isinstance(declared, list):
                declared = req + sorted(k for k in p if k not in req)
            own = (p, req, [str(k) for k in declared])
        for k, v in own[0].items():
            props.setdefault(k, v)
        required += [r for r in own[1] if r not in required]
        order += [k for k in own[2] if k not in order]
    return props, required, order


def _doc(node: Dict[str, Any]) -> str:
    text = node.get("description")
    return str(text).strip() if isinstance(text, str) else ""


def spec_of(name: str) -> Spec:
    """The fields of the definition ``name``, in class order (fields without a default first)."""
    node = DEFS[name]
    props, required, order = _object(node)
    type_default = node.get("default") if isinstance(node.get("default"), dict) else {}
    fields: List[FieldSpec] = []
    for key in order:
        prop = props[key]
        kind = shape_of(prop)
        if "default" in prop:
            default = prop["default"]
        elif key in type_default:
            default = type_default[key]
        elif key not in required:
            default = None
        else:
            default = _NO_DEFAULT
        if default is None and not isinstance(kind, _Optional):
            kind = _Optional(kind)
        fields.append(FieldSpec(key, kind, default, _doc(prop)))
    spec = Spec(name, fields)
    variants = node.get("oneOf")
    if isinstance(variants, list) and all(isinstance(v, dict) for v in variants):
        parts = [_object(v) for v in variants]
        tags = [
            k
            for k in (parts[0][0] if parts else {})
            if all(isinstance(p[0].get(k, {}).get("const"), str) for p in parts)
        ]
        if tags:
            tag = tags[0]
            extra: Dict[str, FieldSpec] = {}
            for p_props, p_req, p_order in parts:
                for key in p_order:
                    if key != tag and key not in extra and key not in props:
                        kind = shape_of(p_props[key])
                        if not isinstance(kind, _Optional):
                            kind = _Optional(kind)
                        extra[key] = FieldSpec(key, kind, None, _doc(p_props[key]))
            spec.tag = tag
            spec.variants = {
                str(p[0][tag]["const"]): frozenset(k for k in p[1] if k != tag) for p in parts
            }
            spec.variant_allows = {
                str(p[0][tag]["const"]): frozenset(k for k in p[2] if k != tag) for p in parts
            }
            spec.variant_fields = tuple(extra)
            tag_field = FieldSpec(tag, _Scalar(str), _NO_DEFAULT, "One of " + ", ".join(spec.variants) + ".")
            spec.fields = [tag_field] + fields + list(extra.values())
    spec.fields.sort(key=lambda f: not f.required)
    return spec


# ---- the record classes ----

#: The record class of each definition, once it is declared.
CLASSES: Dict[str, Type["Record"]] = {}

_BASES: Dict[str, type] = {}


def field_base(name: str) -> type:
    """The base a record class derives from to take the fields of definition ``name``."""
    if name not in DEFS:
        raise AttributeError(f"the core's schema has no record type {name!r}")
    base = _BASES.get(name)
    if base is None:
        base = type(name, (Record,), {"_base_of": name, "__module__": "gradreg._fields"})
        _BASES[name] = base
    return base


def _plain(value: Any) -> Any:
    """The JSON form of a value that carries no kind (a dict or list of records)."""
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass_transform()
class Record:
    """Base of the typed records: dataclasses built from the core's schema that convert to and
    from the core's dicts.

    ``from_dict`` refuses unknown keys and missing required ones (``ArgumentError``, code
    ``malformed_json``) and values of the wrong type (``ArgumentTypeError``); missing optional
    keys take their defaults. ``to_dict`` leaves
    out optional fields that are ``None``, as the core's JSON does.
    """

    _spec: ClassVar[Spec]

    def __init_subclass__(cls, frozen: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_base_of" in cls.__dict__:
            return
        names = [b.__dict__["_base_of"] for b in cls.__bases__ if "_base_of" in b.__dict__]
        if names:
            _build(cls, names[0], frozen)

    def __post_init__(self) -> None:
        spec = type(self)._spec
        if spec.tag is None:
            return
        owner = type(self).__name__
        tag = getattr(self, spec.tag)
        if not isinstance(tag, str):
            raise ArgumentTypeError(f"{owner}.{spec.tag} must be str, got {type(tag).__name__}")
        needed = spec.variants.get(tag)
        if needed is None:
            raise ArgumentError(
                f"unknown {spec.tag} {tag!r}; one of {', '.join(spec.variants)}",
                error_code("invalid_argument"),
            )
        allows = spec.variant_allows.get(tag, needed)
        kinds = {f.name: f.kind for f in spec.fields}
        for name in spec.variant_fields:
            v = getattr(self, name)
            if name in needed:
                if v is None:
                    raise ArgumentTypeError(f"a {tag} {owner} needs {name}, got None")
                kinds[name].load(f"{owner}.{name}", v)
            elif name in allows:
                if v is not None:
                    kinds[name].load(f"{owner}.{name}", v)
            elif v is not None:
                raise ArgumentError(f"a {tag} {owner} has no {name}", error_code("invalid_argument"))

    @classmethod
    def from_dict(cls: Type[R], data: Dict[str, Any]) -> R:
        """Builds the record from a dict in the core's JSON form."""
        if not isinstance(data, dict):
            raise ArgumentTypeError(f"{cls.__name__} needs a dict, got {type(data).__name__}")
        spec = cls._spec
        unknown = sorted(set(data) - spec.names)
        if unknown:
            raise ArgumentError(
                f"{cls.__name__}: unknown field(s) {', '.join(map(str, unknown))}",
                error_code("malformed_json"),
            )
        missing = [f.name for f in spec.fields if f.required and f.name not in data]
        if missing:
            raise ArgumentError(
                f"{cls.__name__}: missing field(s) {', '.join(missing)}",
                error_code("malformed_json"),
            )
        kinds = spec.kinds
        owner = cls.__name__
        kwargs = {k: kinds[k].load(f"{owner}.{k}", v) for k, v in data.items()}
        return cls(**kwargs)

    @classmethod
    def _from_core(cls: Type[R], data: Dict[str, Any]) -> R:
        """Builds the record from a dict the core wrote: of the schema's shape by
        construction, so only what needs converting is converted (instants, nested records)
        and the fields are set directly, without the checks of ``from_dict``. Equal to what
        ``from_dict`` builds from the same dict. A dict that is not of the shape (an unknown
        key, a missing required one), and a tagged union, go through ``from_dict``."""
        plan = cls.__dict__.get("_core_plan")
        if plan is None:
            plan = _core_plan(cls)
        convert, defaults, factories, required = plan
        if not isinstance(data, dict) or not required.issubset(data):
            return cls.from_dict(data)
        fields = dict(defaults)
        try:
            for k, v in data.items():
                c = convert[k]
                fields[k] = v if c is None or v is None else c(v)
        except KeyError:
            return cls.from_dict(data)
        for name, factory in factories:
            if name not in data:
                fields[name] = factory()
        out = object.__new__(cls)
        out.__dict__.update(fields)
        return out

    def to_dict(self) -> Dict[str, Any]:
        """The record as a dict in the core's JSON form."""
        out: Dict[str, Any] = {}
        for name, dump in _io_plan(type(self))[0]:
            v = getattr(self, name)
            if v is not None:
                out[name] = v if dump is None else dump(v)
        return out

    def to_json(self) -> str:
        """The record as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def _wire(self) -> str:
        """The JSON text sent to the core (type-checked, non-ASCII escaped)."""
        self._check_types()
        return dumps(self.to_dict())

    @classmethod
    def from_json(cls: Type[R], text: str) -> R:
        """Builds the record from JSON text."""
        if not isinstance(text, str):
            raise ArgumentTypeError(f"{cls.__name__}.from_json needs str, got {type(text).__name__}")
        try:
            data = json.loads(text)
        except ValueError as e:
            raise ArgumentError(f"malformed JSON: {e}", error_code("malformed_json")) from None
        return cls.from_dict(data)

    def _check_types(self) -> None:
        """Checks every field against its schema type (called before crossing to the core)."""
        for name, where, load in _io_plan(type(self))[1]:
            load(where, getattr(self, name))


#: Per class, made once: each field's name with its ``dump`` (``None`` for a scalar, whose JSON
#: value is the Python value), and its name, the ``where`` of its messages and its ``load``.
_IoPlan = Tuple[
    List[Tuple[str, Optional[Callable[[Any], Any]]]],
    List[Tuple[str, str, Callable[[str, Any], Any]]],
]


def _io_plan(cls: Type["Record"]) -> _IoPlan:
    plan = cls.__dict__.get("_io_plan")
    if plan is None:
        owner = cls.__name__
        dumps: List[Tuple[str, Optional[Callable[[Any], Any]]]] = []
        loads: List[Tuple[str, str, Callable[[str, Any], Any]]] = []
        for f in cls._spec.fields:
            kind = f.kind.inner if isinstance(f.kind, _Optional) else f.kind
            dumps.append((f.name, None if isinstance(kind, _Scalar) else f.kind.dump))
            loads.append((f.name, f"{owner}.{f.name}", f.kind.load))
        plan = (dumps, loads)
        setattr(cls, "_io_plan", plan)
    return plan


def _built(kind: Kind) -> Optional[Callable[[Any], Any]]:
    """The converter of a value the native builder wrote (``_native`` ``…_objects`` calls):
    as ``Kind.trusted``, except that a record may already be its object (the builder made it)
    or still a dict (a tagged union, a type the builder has no plan for)."""
    if isinstance(kind, _Ref):
        return _built(kind.target())
    if isinstance(kind, _Optional):
        return _built(kind.inner)
    if isinstance(kind, _Class):
        cls = kind.cls
        return lambda v: v if isinstance(v, cls) else cls._from_core(v)
    if isinstance(kind, _List):
        each = _built(kind.item)
        if each is None:
            return None
        return lambda v: [x if x is None else each(x) for x in v]
    if isinstance(kind, _Dict):
        value = _built(kind.item)
        if value is None:
            return None
        return lambda v: {k: x if x is None else value(x) for k, x in v.items()}
    return kind.trusted()


def _record_class(kind: Kind) -> Optional[type]:
    """The record class of a field holding one record (the builder skips the converter of a
    value it already made that class's object), else ``None``."""
    if isinstance(kind, _Optional):
        return _record_class(kind.inner)
    if isinstance(kind, _Ref):
        return _record_class(kind.target())
    return kind.cls if isinstance(kind, _Class) else None


_NATIVE_PLANS: Dict[str, Any] = {}


def native_plans() -> Dict[str, Any]:
    """The plans the native builder makes objects with: for each Rust type name with a record
    class (not a tagged union, not a class of its own ``from_dict``), the class, its immutable
    defaults, the factories of its mutable ones and the converters of the fields whose Python
    value is not the JSON one (with the record class of a field holding one record). Made
    once."""
    if not _NATIVE_PLANS:
        for name, cls in CLASSES.items():
            convert, defaults, factories, required = _core_plan(cls)
            if not convert:
                continue
            converters = []
            for f in cls._spec.fields:
                c = _built(f.kind)
                if c is not None:
                    converters.append((f.name, c, _record_class(f.kind)))
            _NATIVE_PLANS[name] = (cls, dict(defaults), list(factories), converters)
    return _NATIVE_PLANS


#: What ``Record._from_core`` needs of a class: each field's converter (``None``: the JSON
#: value as it is), the immutable defaults, the factories of the mutable ones, the required
#: names.
_Plan = Tuple[
    Dict[str, Optional[Callable[[Any], Any]]],
    Dict[str, Any],
    List[Tuple[str, Callable[[], Any]]],
    FrozenSet[str],
]


def _core_plan(cls: Type["Record"]) -> _Plan:
    """The plan of ``cls`` for ``Record._from_core``, made once per class (the record classes
    are all declared at import, so every reference resolves)."""
    spec = cls._spec
    convert: Dict[str, Optional[Callable[[Any], Any]]] = {}
    defaults: Dict[str, Any] = {}
    factories: List[Tuple[str, Callable[[], Any]]] = []
    for f in spec.fields:
        convert[f.name] = f.kind.trusted()
        if f.required:
            continue
        d = cls.__dataclass_fields__[f.name]  # type: ignore[attr-defined]
        if d.default is not dataclasses.MISSING:
            defaults[f.name] = d.default
        else:
            factories.append((f.name, d.default_factory))
    required = frozenset(f.name for f in spec.fields if f.required)
    plan: _Plan = (convert, defaults, factories, required)
    own = next(c for c in cls.__mro__ if "from_dict" in c.__dict__)
    if spec.tag is not None or own is not Record:
        # A tagged union keeps its variant checks and a class of its own from_dict its
        # conversion: every key is unknown to this plan, so _from_core falls back.
        plan = ({}, {}, [], frozenset([spec.tag or ""]))
    setattr(cls, "_core_plan", plan)
    return plan


def _build(cls: type, name: str, frozen: bool) -> None:
    """Makes ``cls`` the dataclass of definition ``name``."""
    spec = spec_of(name)
    annotations: Dict[str, Any] = {}
    for f in spec.fields:
        if f.name in cls.__dict__:
            raise TypeError(f"{cls.__name__}.{f.name} is a field of the core's {name}")
        annotations[f.name] = f.kind.spell(lambda n: n)
        if not f.required:
            setattr(cls, f.name, f.dataclass_field())
    annotations.update(cls.__dict__.get("__annotations__", {}))
    setattr(cls, "__annotations__", annotations)
    setattr(cls, "_spec", spec)
    dataclasses.dataclass(frozen=frozen)(cls)
    CLASSES[name] = cls
