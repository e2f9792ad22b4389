//! Cold start: opening the core on a data directory (design §6 target: under 50 ms), both the very first
//! start (key creation, the whole schema) and a later one (key check, no migration due), with a few profiles.
//!
//! Run: `cargo bench -p healthbook-core --bench open`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::profiles::{BirthDate, ProfileInput, ProfileRelation};
use healthbook_core::{Healthbook, HealthbookConfig, PlatformKeyStore};

fn open(dir: &std::path::Path, keys: Arc<dyn PlatformKeyStore>) -> Healthbook {
    Healthbook::open(HealthbookConfig::new(dir, keys)).expect("open")
}

fn bench_open(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut group = c.benchmark_group("open");
    group.sample_size(30);

    group.bench_function("first start (new data dir)", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("temp dir"),
            |dir| black_box(open(dir.path(), Arc::new(MemoryKeyStore::default()))),
            criterion::BatchSize::PerIteration,
        )
    });

    let dir = tempfile::tempdir().expect("temp dir");
    let keys: Arc<dyn PlatformKeyStore> = Arc::new(MemoryKeyStore::default());
    let hb = open(dir.path(), keys.clone());
    runtime.block_on(async {
        for i in 0..5 {
            let relation = if i == 0 { ProfileRelation::Myself } else { ProfileRelation::FamilyMember };
            let input = ProfileInput {
                relation,
                full_name: format!("Nguyễn Văn {}", ["An", "Bình", "Chi", "Dũng", "Em"][i]),
                birth: BirthDate { year: 1980, month: None, day: None },
                phone: None,
                citizen_id: None,
                address: None,
            };
            hb.profiles().add(input).await.expect("add");
        }
    });
    drop(hb);
    group.bench_function("later start (existing data, then list profiles)", |b| {
        b.iter(|| {
            let hb = open(dir.path(), keys.clone());
            black_box(runtime.block_on(hb.profiles().list()).expect("list"))
        })
    });
    group.finish();
}

criterion_group!(benches, bench_open);
criterion_main!(benches);
