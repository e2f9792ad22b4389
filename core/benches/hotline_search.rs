//! Offline search of the hotline's Q&A set on the phone (issue 13's target: well under 10 ms over 500 entries).
//!
//! 500 realistic Vietnamese entries (with English for a third of them) are folded once, as the phone does when it
//! caches a set, then searched with queries typed with and without diacritics. Besides criterion's figures the
//! bench prints the median of 1,001 timed searches per query, and the time to fold the whole set.
//!
//! Run: `cargo bench -p healthbook-core --bench hotline_search`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use healthbook_core::hotline::wire::{QaCategory, QaEntry, QaSet};
use healthbook_core::hotline::QaIndex;

const SUBJECTS: [(&str, QaCategory); 12] = [
    ("khai báo y tế", QaCategory::Declarations),
    ("khai báo di chuyển nội địa", QaCategory::Declarations),
    ("mã QR cá nhân", QaCategory::Pass),
    ("thẻ xanh, thẻ vàng, thẻ đỏ", QaCategory::Pass),
    ("quét mã tại cổng chợ", QaCategory::CheckIn),
    ("cách ly tại nhà", QaCategory::Quarantine),
    ("trình diện khi cách ly", QaCategory::Quarantine),
    ("xét nghiệm nhanh kháng nguyên", QaCategory::Testing),
    ("kết quả xét nghiệm PCR", QaCategory::Testing),
    ("tiêm chủng mũi 2", QaCategory::Vaccination),
    ("giấy đi đường liên tỉnh", QaCategory::Travel),
    ("cài đặt ứng dụng trên điện thoại", QaCategory::App),
];

const ASKS: [&str; 6] = [
    "Làm thế nào để {s} cho người già không có điện thoại thông minh?",
    "Tôi cần chuẩn bị gì trước khi {s} ở phường {n}?",
    "{s} có mất phí không, và bao lâu thì xong?",
    "Nếu quên {s} thì có bị phạt không?",
    "Ai hỗ trợ {s} vào cuối tuần tại khu phố {n}?",
    "Vì sao ứng dụng báo lỗi khi {s}?",
];

const ANSWERS: [&str; 4] = [
    "Bạn có thể nhờ tình nguyện viên của tổ dân phố {n} hỗ trợ {s}. Mang theo căn cước công dân và số điện thoại liên hệ; \
     tình nguyện viên sẽ khai báo giúp và in thẻ kiểm soát cho người không có điện thoại.",
    "Việc {s} hoàn toàn miễn phí. Thông thường mất khoảng 5 phút; nếu mạng yếu, ứng dụng lưu lại và tự gửi khi có kết nối.",
    "Hãy kiểm tra ngày giờ trên điện thoại, cập nhật ứng dụng lên phiên bản mới nhất rồi thử lại. Nếu vẫn lỗi, gọi đường dây nóng 1022 \
     (nhánh {n}) để được hướng dẫn {s}.",
    "Theo hướng dẫn của Sở Y tế, người dân cần {s} trước khi đến nơi công cộng. Trạm y tế phường mở cửa từ 7 giờ đến 17 giờ, \
     kể cả thứ Bảy.",
];

fn entries() -> Vec<QaEntry> {
    let at = Utc.with_ymd_and_hms(2021, 9, 1, 0, 0, 0).unwrap();
    (0..500)
        .map(|i| {
            let (subject, category) = SUBJECTS[i % SUBJECTS.len()];
            let n = (i % 29 + 1).to_string();
            let fill = |t: &str| t.replace("{s}", subject).replace("{n}", &n);
            let english = i % 3 == 0;
            QaEntry {
                id: format!("00000000-0000-4000-8000-{i:012}"),
                category,
                question_vi: fill(ASKS[i % ASKS.len()]),
                answer_vi: fill(ANSWERS[i % ANSWERS.len()]),
                question_en: if english { format!("How do I handle {subject} (case {n})?") } else { String::new() },
                answer_en: if english { "Ask a volunteer of your residential group; it is free and takes about five minutes.".into() } else { String::new() },
                updated_at: at,
            }
        })
        .collect()
}

fn set() -> QaSet {
    QaSet { province: "79".into(), version: 12, published_at: Utc.with_ymd_and_hms(2021, 9, 1, 1, 0, 0).unwrap(), entries: entries() }
}

const QUERIES: [(&str, &str); 6] = [
    ("without diacritics", "khai bao y te"),
    ("with diacritics", "khai báo y tế"),
    ("upper case, partial word", "TIÊM CHỦNG MŨ"),
    ("answer-only words", "tinh nguyen vien the kiem soat"),
    ("no match", "hộ chiếu vắc xin châu âu"),
    ("empty (list all)", ""),
];

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn print_medians(index: &QaIndex) {
    let fold = median(
        (0..21)
            .map(|_| {
                let set = set();
                let started = Instant::now();
                black_box(QaIndex::new(set));
                started.elapsed()
            })
            .collect(),
    );
    println!("hotline_search: folding 500 entries once (at caching or first search): median {fold:?}");
    for (name, query) in QUERIES {
        let hits = index.search(query, None).len();
        let samples = (0..1001)
            .map(|_| {
                let started = Instant::now();
                black_box(index.search(black_box(query), None));
                started.elapsed()
            })
            .collect();
        println!("hotline_search: {name:<26} {query:?}: {hits} hits, median {:?} over 1,001 searches", median(samples));
    }
    let filtered = median(
        (0..1001)
            .map(|_| {
                let started = Instant::now();
                black_box(index.search("khai bao", Some(QaCategory::Declarations)));
                started.elapsed()
            })
            .collect(),
    );
    println!("hotline_search: {:<26} \"khai bao\" in declarations: median {filtered:?}", "category filter");
}

fn bench(c: &mut Criterion) {
    let index = QaIndex::new(set());
    assert_eq!(index.set().entries.len(), 500);
    assert!(!index.search("khai bao y te", None).is_empty(), "queries without diacritics find the entries");
    assert_eq!(ids(&index.search("khai bao y te", None)), ids(&index.search("Khai báo Y TẾ", None)));
    print_medians(&index);
    let mut group = c.benchmark_group("hotline_search");
    group.measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500)).sample_size(50);
    for (name, query) in QUERIES {
        group.bench_function(name, |b| b.iter(|| index.search(black_box(query), None)));
    }
    group.bench_function("fold 500 entries", |b| b.iter_batched(set, QaIndex::new, BatchSize::SmallInput));
    group.finish();
}

fn ids(entries: &[QaEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.id.as_str()).collect()
}

criterion_group!(benches, bench);
criterion_main!(benches);
