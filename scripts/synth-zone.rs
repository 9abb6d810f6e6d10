//! A synthetic registry zone file for scripts/bench-monitor.sh, written to
//! stdout as it is generated (never stored): `$ORIGIN com.`, then two `NS`
//! lines per domain (as CZDS files list them), with the names of a file
//! (one a line, absolute) spread evenly among them.
//!   synth-zone LINES NAMES_FILE > zone
//! Compiled by the script with `rustc -O`; no dependencies.

use std::io::{BufWriter, Write};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: synth-zone LINES NAMES_FILE");
        std::process::exit(2);
    }
    let lines: u64 = args[1].parse().expect("LINES is a number");
    let names = std::fs::read_to_string(&args[2]).expect("read NAMES_FILE");
    let names: Vec<&str> = names.lines().filter(|l| !l.is_empty()).collect();
    let domains = lines / 2;
    let every = if names.is_empty() { u64::MAX } else { (domains / names.len() as u64).max(1) };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    let _ = out.write_all(b"$ORIGIN com.\n$TTL 172800\n");
    let mut injected = 0usize;
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut label = Vec::with_capacity(24);
    for domain in 0..domains {
        if domain % every == every / 2 && injected < names.len() {
            let name = names[injected];
            injected += 1;
            let line = format!("{name}. NS NS1.SINKHOLE.TEST.\n{name}. NS NS2.SINKHOLE.TEST.\n");
            if out.write_all(line.as_bytes()).is_err() {
                return;
            }
            continue;
        }
        // xorshift64*: distinct-looking labels of 6 to 17 characters,
        // made unique by the domain's number at the end.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let mut bits = state.wrapping_mul(0x2545_f491_4f6c_dd1d);
        label.clear();
        for _ in 0..(6 + bits % 6) {
            bits /= 26;
            label.push(b'A' + (bits % 26) as u8);
        }
        label.extend_from_slice(domain.to_string().as_bytes());
        let host = domain % 1000;
        let mut line = Vec::with_capacity(80);
        for server in [1, 2] {
            line.extend_from_slice(&label);
            line.extend_from_slice(format!(" NS NS{server}.HOST{host}.NET.\n").as_bytes());
        }
        if out.write_all(&line).is_err() {
            return;
        }
    }
    let _ = out.flush();
    eprintln!("synth-zone: {} lines, {injected} names injected", domains * 2 + 2);
}
