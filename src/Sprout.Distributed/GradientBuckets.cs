using Sprout.Nn;

namespace Sprout.Distributed;

/// <summary>
/// One step's sum of the gradients over the ranks. The trained parameters, last first (the order a backward pass
/// finishes them), go into buckets of about <c>bucketFloats</c> values: small gradients are copied side by side into
/// one pinned buffer, a gradient of at least a bucket's size is its own bucket, reduced in place with no copy (the MLP's
/// 784×256 weight: copying it in and out cost a third of its reduction). Buckets are ordered by when their last
/// gradient is expected (the plan's order). A bucket whose gradients are all final while the backward pass still runs
/// (<see cref="OnGradientReady"/>) starts a non-blocking all-reduce there, and every later notice moves the outstanding
/// ones on (Open MPI advances them only inside MPI calls); the last bucket, and any not started by then, are reduced at
/// <see cref="Finish"/> with the blocking call — Open MPI's blocking all-reduce of the MLP's 795 KiB took 48 µs here
/// against 84–88 µs non-blocking, and nothing is left to overlap with at the end of the pass. The local batch size
/// rides in the last small bucket when that one has not started yet. Ranks start the same buckets in the same order
/// because their graphs are the same (checked by the checksums at the first step).
/// </summary>
internal sealed class GradientBuckets
{
    private readonly Communicator _communicator;
    private readonly Bucket[] _buckets;
    private readonly Dictionary<Tensor, Bucket> _bucketOf = new(ReferenceEqualityComparer.Instance);
    private readonly float[] _buffer;
    private readonly int _countSlot;
    private readonly Bucket? _lastSmall;   // the packed bucket that ends at the count's slot (none if every gradient is reduced in place)
    private readonly List<Bucket> _started = [];   // non-blocking, during the pass
    private bool _broken;

    private sealed class Bucket(Parameter[] parameters, int offset, int length, bool inPlace)
    {
        public Parameter[] Parameters { get; } = parameters;
        public int Offset { get; } = offset;
        public int Length { get; } = length;
        public bool InPlace { get; } = inPlace;
        public int Missing;
        public bool Started;
        public PendingReduction Pending;
    }

    /// <summary>The plan for <paramref name="trained"/> (initialized, with a gradient; last layer first), reusing <paramref name="buffer"/> when it is large enough.</summary>
    public GradientBuckets(Communicator communicator, IReadOnlyList<Parameter> trained, int bucketFloats, float[] buffer)
    {
        _communicator = communicator;
        var buckets = new List<Bucket>();
        var pending = new List<Parameter>();
        int offset = 0, start = 0;
        foreach (var p in trained)
        {
            int n = p.Shape.ElementCount;
            if (n >= bucketFloats) { buckets.Add(new Bucket([p], 0, n, inPlace: true)); continue; }
            pending.Add(p);
            offset += n;
            if (offset - start < bucketFloats) continue;
            buckets.Add(new Bucket([.. pending], start, offset - start, inPlace: false));
            (pending, start) = ([], offset);
        }
        if (pending.Count > 0) buckets.Add(new Bucket([.. pending], start, offset - start, inPlace: false));
        var position = new Dictionary<Parameter, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < trained.Count; i++) position[trained[i]] = i;
        _buckets = [.. buckets.OrderBy(b => b.Parameters.Max(p => position[p]))];   // stable: by the last gradient each waits for
        _countSlot = offset;
        _lastSmall = buckets.Where(b => !b.InPlace).MaxBy(b => b.Offset);
        _buffer = buffer.Length > offset ? buffer : GC.AllocateUninitializedArray<float>(offset + 1, pinned: true);
        Parameters = trained;
    }

    /// <summary>The parameters this plan covers, in its order.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The buffer of the small buckets (kept by the trainer for the next plan).</summary>
    public float[] Buffer => _buffer;

    /// <summary>Resets the buckets for a new step; from here on, <see cref="OnGradientReady"/> may start them.</summary>
    public void Begin()
    {
        if (_broken)
            throw new InvalidOperationException("Sprout.Distributed: a previous step's gradient reduction never finished (its backward pass or a reduction threw after some buckets had started), so the ranks are out of step. End the job and restart it from a checkpoint.");
        _bucketOf.Clear();
        foreach (var b in _buckets)
        {
            (b.Missing, b.Started, b.Pending) = (b.Parameters.Length, false, default);
            foreach (var p in b.Parameters) _bucketOf[p.Data()] = b;
        }
        _started.Clear();
        _broken = true;   // until Finish: a pass that throws leaves reductions in flight
    }

    /// <summary>
    /// A leaf's gradient is final: starts its bucket if that was the last one missing (and it is not the plan's last), and
    /// moves outstanding reductions on. True when a bucket started.
    /// </summary>
    public bool OnGradientReady(Tensor leaf)
    {
        bool start = _bucketOf.TryGetValue(leaf, out var bucket) && --bucket.Missing == 0 && !ReferenceEquals(bucket, _buckets[^1]);
        if (start) Start(bucket!);
        Progress();
        return start;
    }

    /// <summary>Reduces what has not started (in plan order, blocking, the batch size with it), waits for the rest, copies the sums back; returns the global batch.</summary>
    public int Finish(int localBatchSize)
    {
        _buffer[_countSlot] = localBatchSize;   // exact: a sum of integers below 2^24
        bool countRides = _lastSmall is { Started: false };
        foreach (var b in _buckets)
            if (!b.Started) Reduce(b, withCount: countRides && ReferenceEquals(b, _lastSmall));
        if (!countRides) _communicator.AllReduceSum(_buffer.AsSpan(_countSlot, 1));
        foreach (var b in _started) Communicator.Wait(ref b.Pending);
        foreach (var b in _buckets)
            if (!b.InPlace) CopyBack(b);
        _broken = false;
        return (int)_buffer[_countSlot];
    }

    /// <summary>Starts a bucket's non-blocking reduction (during the backward pass).</summary>
    private void Start(Bucket b)
    {
        b.Pending = b.InPlace ? _communicator.AllReduceSumAsync(b.Parameters[0].Grad()) : _communicator.AllReduceSumAsync(_buffer, b.Offset, CopyIn(b));
        b.Started = true;
        _started.Add(b);
    }

    /// <summary>Reduces a bucket with the blocking call (at the end of the pass).</summary>
    private void Reduce(Bucket b, bool withCount)
    {
        if (b.InPlace) _communicator.AllReduceSum(b.Parameters[0].Grad().AsSpan());
        else _communicator.AllReduceSum(_buffer.AsSpan(b.Offset, CopyIn(b) + (withCount ? 1 : 0)));
        b.Started = true;
    }

    /// <summary>Copies a small bucket's gradients into its part of the buffer; returns its length.</summary>
    private int CopyIn(Bucket b)
    {
        int at = b.Offset;
        foreach (var p in b.Parameters)
        {
            var grad = p.Grad().AsSpan();
            grad.CopyTo(_buffer.AsSpan(at));
            at += grad.Length;
        }
        return b.Length;
    }

    /// <summary>Tests the started reductions oldest first until one is still running: each test lets MPI move them all on.</summary>
    private void Progress()
    {
        foreach (var b in _started)
            if (!Communicator.Test(ref b.Pending)) return;
    }

    private void CopyBack(Bucket b)
    {
        int at = b.Offset;
        foreach (var p in b.Parameters)
        {
            var grad = p.Grad().AsSpan();
            _buffer.AsSpan(at, grad.Length).CopyTo(grad);
            at += grad.Length;
        }
    }
}
