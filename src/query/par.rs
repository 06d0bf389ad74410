//! Chunk-parallel loops on named threads (one per core): map in order, or fold and merge.

/// Runs `f` over chunk indexes `0..n` on up to two named threads, in order.
pub(crate) fn par_chunks<T: Send>(n: usize, name: &str, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(n)
        .max(1);
    if threads == 1 {
        return (0..n).map(&f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<(usize, T)>> = std::sync::Mutex::new(Vec::with_capacity(n));
    std::thread::scope(|s| {
        for t in 0..threads {
            let spawned = std::thread::Builder::new()
                .name(format!("{name}-{t}"))
                .spawn_scoped(s, || {
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if k >= n {
                            break;
                        }
                        let r = f(k);
                        if let Ok(mut v) = results.lock() {
                            v.push((k, r));
                        }
                    }
                });
            if spawned.is_err() {
                // Could not start a thread: the remaining work runs on the others (or below).
                break;
            }
        }
    });
    let mut v = results.into_inner().unwrap_or_default();
    // Anything not done (no thread could start) is done here.
    let mut done = vec![false; n];
    for (k, _) in &v {
        if let Some(d) = done.get_mut(*k) {
            *d = true;
        }
    }
    for (k, d) in done.iter().enumerate() {
        if !d {
            v.push((k, f(k)));
        }
    }
    v.sort_by_key(|(k, _)| *k);
    v.into_iter().map(|(_, r)| r).collect()
}

/// Folds chunks `0..n` on up to two named threads, each with its own accumulator from `init`,
/// then merges the accumulators (so per-thread state is allocated once, not once per chunk).
pub(crate) fn par_fold<A: Send>(
    n: usize,
    name: &str,
    init: impl Fn() -> A + Sync,
    fold: impl Fn(&mut A, usize) + Sync,
    merge: impl Fn(&mut A, A),
) -> A {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(n)
        .max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut acc = init();
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if k >= n {
                break;
            }
            fold(&mut acc, k);
        }
        acc
    };
    let mut accs: Vec<A> = Vec::new();
    std::thread::scope(|s| {
        let mut handles = Vec::new();
        for t in 1..threads {
            if let Ok(h) = std::thread::Builder::new()
                .name(format!("{name}-{t}"))
                .spawn_scoped(s, work)
            {
                handles.push(h);
            }
        }
        accs.push(work());
        for h in handles {
            if let Ok(a) = h.join() {
                accs.push(a);
            }
        }
    });
    let mut it = accs.into_iter();
    let mut first = it.next().unwrap_or_else(&init);
    for a in it {
        merge(&mut first, a);
    }
    // A worker that died left chunks undone: do them here (never silently lose rows).
    loop {
        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if k >= n {
            break;
        }
        fold(&mut first, k);
    }
    first
}

/// [`par_chunks`] over owned items: item `k` is moved into its task (no clone), results in order.
pub(crate) fn par_map_owned<T: Send, R: Send>(
    items: Vec<T>,
    name: &str,
    f: impl Fn(usize, T) -> R + Sync,
) -> Vec<R> {
    let cells: Vec<std::sync::Mutex<Option<T>>> = items
        .into_iter()
        .map(|t| std::sync::Mutex::new(Some(t)))
        .collect();
    // Each task takes its own item once; a poisoned lock still holds it.
    let take = |k: usize| {
        cells.get(k).and_then(|c| {
            c.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
        })
    };
    par_chunks(cells.len(), name, |k| take(k).map(|t| f(k, t)))
        .into_iter()
        .flatten()
        .collect()
}
