//! `rplay export <scenario> --flavor …`: the files that build the scenario's cluster on
//! real servers (replication_engine::export; docs/export.md).

use crate::target::Target;
use crate::{Exit, Out};
use clap::Args;
use replication_playground::engine::export::{self, AddressPlan, Flavor};
use std::path::PathBuf;

#[derive(Args)]
pub struct ExportArgs {
    /// A scenario file, share link or preset name.
    scenario: String,
    /// The servers to write for: mysql-8.4, mysql-8.0 or mariadb-10.11 (default: the
    /// scenario's own flavor, mysql-8.4 or mariadb-10.11).
    #[arg(long, value_name = "FLAVOR", value_parser = parse_flavor)]
    flavor: Option<Flavor>,
    /// Write one file each into this directory (made if missing) instead of printing them
    /// all to stdout under `==> file <==` headers.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Every server on 127.0.0.1, node i on port PORT + i (the default, from 3306).
    #[arg(long, value_name = "PORT", conflicts_with = "hostnames")]
    first_port: Option<u16>,
    /// Every server on a host named like its node, on port 3306.
    #[arg(long)]
    hostnames: bool,
}

fn parse_flavor(s: &str) -> Result<Flavor, String> {
    Flavor::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Flavor::ALL.iter().map(|f| f.name()).collect();
        format!("'{s}' is no flavor; one of: {}", names.join(", "))
    })
}

pub fn export(args: &ExportArgs, out: &mut Out) -> Result<(), Exit> {
    let cluster = Target::parse(&args.scenario)?.cluster()?;
    let plan = if args.hostnames {
        AddressPlan::Hostnames { port: 3306 }
    } else {
        AddressPlan::Loopback {
            first_port: args.first_port.unwrap_or(3306),
        }
    };
    let flavor = args.flavor.unwrap_or_else(|| Flavor::of(&cluster));
    let files = export::bundle_at(&cluster, flavor, &plan)
        .map_err(|e| Exit::Usage(format!("{}: cannot export: {e}", args.scenario)))?;
    let Some(dir) = &args.out else {
        out.line(export::concatenated(&files).trim_end())?;
        return Ok(());
    };
    let fail = |e: std::io::Error, what: &PathBuf| {
        Exit::Io(format!("cannot write {}: {e}", what.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(e, dir))?;
    for file in &files {
        let path = dir.join(&file.path);
        std::fs::write(&path, &file.text).map_err(|e| fail(e, &path))?;
        out.line(&path.display().to_string())?;
    }
    Ok(())
}
