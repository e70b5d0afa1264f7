//! The C ABI of gradreg (see `include/gradreg.h`). Entry points arrive with the C library work.
#![deny(missing_docs)]
