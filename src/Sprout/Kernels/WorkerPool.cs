using System.Diagnostics;

namespace Sprout.Kernels;

/// <summary>
/// Sprout's own threads for kernels: one fewer than the cores, kept warm by spinning briefly after each job before
/// they sleep, so that dispatching a job costs about a microsecond instead of a thread-pool round trip. The calling
/// thread takes part. One job runs at a time; a call made while one is running (or from inside one) runs inline.
/// Between jobs, a waiting worker runs pieces of the offered <see cref="BackgroundWork"/>, if any.
/// </summary>
internal static class WorkerPool
{
    /// <summary>
    /// How long a worker spins for the next job before it sleeps. A training step's serial stretches (the loss, small
    /// layers, bookkeeping) last a few hundred µs; a worker asleep by then costs a wake-up on the next kernel. 1 ms
    /// against 200 µs: the MLP epoch at 2 threads 1.5–4.6 % faster in three runs that alternated epochs in one process.
    /// </summary>
    private const double SpinMicroseconds = 1000;

    private static readonly Lock s_gate = new();
    private static readonly Worker[] s_workers = CreateWorkers(Environment.ProcessorCount - 1);
    private static Job? s_job;
    private static long s_generation;
    private static BackgroundWork? s_background;
    [ThreadStatic] private static bool t_insideJob;

    /// <summary>True on a thread running a part of a job: a split started here runs inline, on this thread alone.</summary>
    public static bool InsideJob => t_insideJob;

    /// <summary>Offers background work to the workers (one at a time: a second offer is left to its owner's Complete).</summary>
    public static void Offer(BackgroundWork work)
    {
        if (s_workers.Length == 0 || Interlocked.CompareExchange(ref s_background, work, null) is not null) return;
        foreach (var w in s_workers) w.Wake();
    }

    /// <summary>Takes back the offer once its owner has completed it.</summary>
    public static void Withdraw(BackgroundWork work) => Interlocked.CompareExchange(ref s_background, null, work);

    /// <summary>Runs body(0 .. count-1), spread over the workers and the caller; rethrows the first exception.</summary>
    public static void For(int count, Action<int> body)
    {
        if (!ForExclusive(count, body))
            for (int i = 0; i < count; i++) body(i);
    }

    /// <summary>Below this much work in all (elements touched, multiply–adds), a split runs on the calling thread.</summary>
    public const long MinParallelWork = 1 << 15;

    /// <summary>
    /// Splits [0, count) into contiguous ranges, up to four per thread so that uneven ones even out, and runs
    /// body(start, end) for each over the workers; in one call on this thread when <paramref name="work"/> (the total)
    /// is small.
    /// </summary>
    public static void ForRanges(int count, long work, Action<int, int> body)
    {
        if (work < MinParallelWork || count < 2 || Threads.Count <= 1) { body(0, count); return; }
        int chunks = Math.Min(count, Threads.Count * 4);
        For(chunks, t => body((int)((long)count * t / chunks), (int)((long)count * (t + 1) / chunks)));
    }

    /// <summary><see cref="ForRanges"/> with the body called once per index.</summary>
    public static void ForEach(int count, long work, Action<int> body) =>
        ForRanges(count, work, (start, end) => { for (int i = start; i < end; i++) body(i); });

    private static bool ForExclusive(int count, Action<int> body)
    {
        // Inline when there is nothing to share, when called from inside a job (the outer job already uses every
        // core; the lock is re-entrant, so this must be checked first), or while another thread's job runs.
        if (count <= 1 || s_workers.Length == 0 || Threads.Count <= 1 || t_insideJob || !s_gate.TryEnter()) return false;
        try
        {
            var job = new Job(body, count);
            Volatile.Write(ref s_job, job);
            Interlocked.Increment(ref s_generation);
            foreach (var w in s_workers) w.Wake();
            job.Work();
            job.WaitAndRethrow();
            return true;
        }
        finally
        {
            s_gate.Exit();
        }
    }

    private static Worker[] CreateWorkers(int n) => [.. Enumerable.Range(0, Math.Max(0, n)).Select(i => new Worker(i))];

    /// <summary>
    /// Indices 0 .. count-1 of one body, taken one at a time by whoever asks (the caller, the workers), and the first
    /// error any of them raised. Also the unit of <see cref="BackgroundWork"/>.
    /// </summary>
    internal sealed class Job(Action<int> body, int count)
    {
        private readonly int _count = count;
        private int _next = -1;
        private int _remaining = count;
        private Exception? _error;

        /// <summary>True when no index is left to start.</summary>
        public bool Exhausted => Volatile.Read(ref _next) + 1 >= _count;

        /// <summary>Runs indices until none is left.</summary>
        public void Work()
        {
            while (TryRunOne()) { }
        }

        /// <summary>Runs the next index if one is left (nested kernel calls inside it run inline); false when all are taken.</summary>
        public bool TryRunOne()
        {
            int i = Interlocked.Increment(ref _next);
            if (i >= _count) return false;
            bool outer = t_insideJob;
            t_insideJob = true;
            try { body(i); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
            finally
            {
                t_insideJob = outer;
                Interlocked.Decrement(ref _remaining);
            }
            return true;
        }

        /// <summary>Waits for the indices others are running, then rethrows the first error.</summary>
        public void WaitAndRethrow()
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref _remaining) > 0) spin.SpinOnce(sleep1Threshold: -1);
            if (_error is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim _signal = new(0);
        private readonly int _index;
        private int _sleeping;

        public Worker(int index)
        {
            _index = index;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Sprout worker {index}" };
            thread.Start();
        }

        public void Wake()
        {
            if (Interlocked.Exchange(ref _sleeping, 0) == 1) _signal.Release();
        }

        private void Loop()
        {
            long seen = 0;
            while (true)
            {
                long generation = WaitForJob(seen);
                seen = generation;
                if (_index < Threads.Count - 1) Volatile.Read(ref s_job)?.Work();   // honour Threads.Count
            }
        }

        /// <summary>Spins for a while (the next job usually follows soon), then sleeps until woken.</summary>
        private long WaitForJob(long seen)
        {
            long deadline = Stopwatch.GetTimestamp() + (long)(SpinMicroseconds * Stopwatch.Frequency / 1e6);
            var spin = new SpinWait();
            while (true)
            {
                long g = Volatile.Read(ref s_generation);
                if (g != seen) return g;
                if (Volatile.Read(ref s_background) is { Exhausted: false } work && work.TryRunOne())
                {
                    deadline = Stopwatch.GetTimestamp() + (long)(SpinMicroseconds * Stopwatch.Frequency / 1e6);
                    continue;
                }
                if (Stopwatch.GetTimestamp() < deadline) { spin.SpinOnce(sleep1Threshold: -1); continue; }
                Volatile.Write(ref _sleeping, 1);
                if (Volatile.Read(ref s_generation) != seen)
                {
                    // A job arrived while we were going to sleep; consume a wake-up if one was sent.
                    if (Interlocked.Exchange(ref _sleeping, 0) == 0) _signal.Wait();
                    continue;
                }
                _signal.Wait();
                deadline = Stopwatch.GetTimestamp() + (long)(SpinMicroseconds * Stopwatch.Frequency / 1e6);
            }
        }
    }
}
