//! Export: charts, tables and the report folder.

use flowlens::query::filter::parse;
use flowlens::query::{QueryContext, ViewCache, ViewOptions, compute_views, select};
use flowlens::report::folder::sha256_file;
use flowlens::report::{
    ReportInput, caption, charts, render_png, render_svg, tables, write_atomic, write_report,
};

use crate::util::{HEADER, load_paths, write};

const FLOWS: &str = "\
2 1 eni-a 10.0.1.5 52.216.1.1 40000 443 6 10 1000 1000 1059 ACCEPT OK
2 1 eni-a 10.0.1.5 52.216.1.2 40001 443 6 10 1000 1000 1059 ACCEPT OK
2 1 eni-a 198.51.100.7 10.0.1.5 50000 22 6 1 60 1120 1120 REJECT OK
2 1 eni-a 10.0.2.9 10.0.1.5 53 53 17 2 200 1180 1190 ACCEPT OK
";

fn fixture() -> (
    tempfile::TempDir,
    flowlens::model::FlowTable,
    std::path::PathBuf,
) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "in.log",
        format!("{HEADER}\n{FLOWS}").as_bytes(),
    );
    let t = load_paths(std::slice::from_ref(&p));
    (dir, t, p)
}

#[test]
fn svg_holds_the_bars_labels_and_caption() {
    let (_d, t, _) = fixture();
    let filter = parse("").unwrap();
    let sel = select(&t, &filter, &QueryContext::default()).unwrap();
    let opts = ViewOptions::default();
    let v = compute_views(&t, &ViewCache::default(), &sel, &opts);
    let cap = caption(&filter, &v, t.len());
    let ports = charts(&v, &opts, &t, &cap)
        .into_iter()
        .find(|c| c.name == "ports")
        .unwrap();
    let svg = render_svg(&ports, (800, 400)).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the SVG parses as XML");
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_owned())
        .collect();
    for want in ["Top destination ports by flows", "443", "22", "53", "flows"] {
        assert!(
            texts.iter().any(|t| t == want),
            "no text {want:?} in {texts:?}"
        );
    }
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Filter: all flows") && t.ends_with("4 of 4 records"))
    );
    // One bar per port, in the app's colour, the tallest (443: 2 flows) first.
    let bars: Vec<(f64, f64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("#569CD6"))
        .map(|n| {
            let x: f64 = n.attribute("x").unwrap().parse().unwrap();
            let h: f64 = n.attribute("height").unwrap().parse().unwrap();
            (x, h)
        })
        .collect();
    assert_eq!(bars.len(), 3);
    assert!(
        bars[0].0 < bars[1].0 && bars[0].1 > bars[1].1 * 1.9,
        "{bars:?}"
    );
}

#[test]
fn png_decodes_at_the_requested_size() {
    let (_d, t, _) = fixture();
    let filter = parse("action == ACCEPT").unwrap();
    let sel = select(&t, &filter, &QueryContext::default()).unwrap();
    let opts = ViewOptions::default();
    let v = compute_views(&t, &ViewCache::default(), &sel, &opts);
    for chart in charts(&v, &opts, &t, &caption(&filter, &v, t.len())) {
        let png = render_png(&chart, (640, 360), 2).unwrap();
        let img = image::load_from_memory(&png).expect("a PNG");
        assert_eq!((img.width(), img.height()), (1280, 720), "{}", chart.name);
    }
}

#[test]
fn csv_tables_round_trip_to_the_view_numbers() {
    let (_d, t, _) = fixture();
    let sel = select(&t, &parse("").unwrap(), &QueryContext::default()).unwrap();
    let v = compute_views(&t, &ViewCache::default(), &sel, &ViewOptions::default());
    let tabs = tables(&v, &t, None);
    let get = |name: &str| tabs.iter().find(|(n, _)| n == name).unwrap().1.clone();
    let ports = get("ports.csv");
    let rows: Vec<Vec<&str>> = ports.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0],
        vec!["port", "service", "flows", "packets", "bytes"]
    );
    assert_eq!(rows[1], vec!["443", "https", "2", "20", "2000"]);
    for (row, p) in rows[1..].iter().zip(&v.ports.ports) {
        assert_eq!(row[0].parse::<u16>().unwrap(), p.key);
        assert_eq!(row[2].parse::<u64>().unwrap(), p.counts.flows());
        assert_eq!(row[4].parse::<u64>().unwrap(), p.counts.bytes());
    }
    let sources = get("sources.csv");
    assert!(
        sources
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("10.0.1.5,2,20,2000"),
        "{sources}"
    );
    let timeline = get("timeline.csv");
    let total: u64 = timeline
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .skip(1)
                .map(|x| x.parse::<u64>().unwrap())
                .sum::<u64>()
        })
        .sum();
    assert_eq!(total, 4);
}

#[test]
fn report_lists_inputs_with_hashes_and_never_overwrites() {
    let (d, t, input_path) = fixture();
    let filter = parse("dst is vpc").unwrap();
    let sel = select(&t, &filter, &QueryContext::default()).unwrap();
    let opts = ViewOptions::default();
    let v = compute_views(&t, &ViewCache::default(), &sel, &opts);
    let ctx = QueryContext::default();
    let input = ReportInput {
        table: &t,
        filter: &filter,
        views: &v,
        options: &opts,
        context: &ctx,
        now_secs: 1_700_000_000,
        chart_size: (700, 300),
        png_scale: 1,
    };
    let out = d.path().join("report");
    let files = write_report(&out, &input, false).unwrap();
    assert!(files.iter().any(|f| f.ends_with("ports.svg")));
    assert!(files.iter().any(|f| f.ends_with("timeline.png")));
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let md = std::fs::read_to_string(out.join("index.md")).unwrap();
    let hash = sha256_file(&input_path).unwrap();
    assert_eq!(hash.len(), 64);
    for doc in [&html, &md] {
        assert!(doc.contains(&hash), "the index lists the input's SHA-256");
        assert!(doc.contains("dst is vpc"));
        assert!(
            doc.contains("contains('10.0.0.0/8', try_cast(dstaddr AS IPADDRESS))"),
            "the Athena SQL"
        );
        assert!(doc.contains("2023-11-14T22:13:20Z"), "when it was made");
    }
    assert!(html.contains("<img src=\"ports.svg\""));
    // A second run refuses to replace anything; --force does.
    let before = std::fs::read(out.join("index.html")).unwrap();
    let err = write_report(&out, &input, false).unwrap_err().to_string();
    assert!(err.contains("index.html already exists"), "{err}");
    assert_eq!(std::fs::read(out.join("index.html")).unwrap(), before);
    write_report(&out, &input, true).unwrap();
    let single = out.join("ports.csv");
    assert!(write_atomic(&single, b"x", false).is_err());
    write_atomic(&single, b"x", true).unwrap();
    assert_eq!(std::fs::read(&single).unwrap(), b"x");
    assert!(
        !std::fs::read_dir(&out).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".tmp-")),
        "no temporary file is left behind"
    );
}

#[test]
fn report_command_end_to_end() {
    let (d, _t, input_path) = fixture();
    let out = d.path().join("r");
    let run = |force: bool| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_flowlens"));
        c.args(["report", "--recipe", "top-talkers", "--out"])
            .arg(&out);
        if force {
            c.arg("--force");
        }
        c.arg(&input_path).output().unwrap()
    };
    let first = run(false);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(out.join("index.html").exists() && out.join("sources.png").exists());
    let second = run(false);
    assert_eq!(second.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&second.stderr).contains("already exists"));
    assert!(run(true).status.success());
}

#[test]
fn report_size_and_scale_are_chosen() {
    let (d, _t, input_path) = fixture();
    let out = d.path().join("sized");
    let ok = std::process::Command::new(env!("CARGO_BIN_EXE_flowlens"))
        .args(["report", "--size", "640x360", "--scale", "3", "--out"])
        .arg(&out)
        .arg(&input_path)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let img = image::open(out.join("timeline.png")).unwrap();
    assert_eq!((img.width(), img.height()), (1920, 1080));
    let svg = std::fs::read_to_string(out.join("timeline.svg")).unwrap();
    assert!(
        svg.starts_with("<svg width=\"640\" height=\"360\""),
        "{}",
        &svg[..60]
    );
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_flowlens"))
        .args(["report", "--size", "640by360", "--out"])
        .arg(&out)
        .arg(&input_path)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not WIDTHxHEIGHT"));
}
