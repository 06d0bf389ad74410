//! Layer 4 (beside `report`): the seeded generator of realistic flow logs behind `flowlens gen`,
//! the bundled sample and the tests, the matching context files ([`context`]: interfaces,
//! instances, subnets, VPC, security groups, network ACLs, ip-ranges.json, a labels CSV), and
//! where the bundled sample is.
//!
//! May use: [`crate::fmt`], [`crate::model`].

pub mod context;
pub mod generate;
mod world;

use std::path::PathBuf;

pub use generate::{GenOptions, generate};

/// The bundled sample, relative to the working directory (`cargo run` from the repository).
pub const SAMPLE_DIR: &str = "assets/sample";

/// Where the bundled sample is: the working directory's `assets/sample`, else the one in the
/// source tree this binary was built from. Absolute, so that Recent finds it again wherever the
/// app is started.
pub fn sample_path() -> PathBuf {
    let local = PathBuf::from(SAMPLE_DIR);
    let path = if local.exists() {
        local
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SAMPLE_DIR)
    };
    std::path::absolute(&path).unwrap_or(path)
}
