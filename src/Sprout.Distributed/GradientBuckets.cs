using Sprout.Nn;

namespace Sprout.Distributed;

/// <summary>
/// One step's sum of the gradients over the ranks. The trained parameters, last first (the order a backward pass
/// finishes them), go into buckets of about <c>bucketFloats</c> values: small gradients are copied side by side into
/// one pinned buffer, a gradient of at least a bucket's size is its own bucket, reduced in place with no copy (the MLP's
/// 784×256 weight: copying it in and out cost a third of its reduction). A bucket's non-blocking all-reduce starts as
/// soon as all its gradients are final — during the backward pass when <see cref="OnGradientReady"/> is told, else at
/// <see cref="Finish"/> — and every later notice moves the outstanding ones on (Open MPI advances them only inside MPI
/// calls). The local batch size rides in the last small bucket when that one has not started yet. Ranks start the
/// same buckets in the same order because their graphs are the same (checked by the checksums at the first step).
/// </summary>
internal sealed class GradientBuckets
{
    private readonly Communicator _communicator;
    private readonly Bucket[] _buckets;
    private readonly Dictionary<Tensor, Bucket> _bucketOf = new(ReferenceEqualityComparer.Instance);
    private readonly float[] _buffer;
    private readonly int _countSlot;
    private readonly List<Bucket> _started = [];
    private PendingReduction _count;
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
        _buckets = [.. buckets];
        _countSlot = offset;
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

    /// <summary>A leaf's gradient is final: starts its bucket if that was the last one missing, and moves outstanding reductions on.</summary>
    public void OnGradientReady(Tensor leaf)
    {
        if (_bucketOf.TryGetValue(leaf, out var bucket) && --bucket.Missing == 0)
        {
            Start(bucket, withCount: false);
            StartedEarly++;
        }
        Progress();
    }

    /// <summary>How many buckets started during a backward pass (from <see cref="OnGradientReady"/>) since the plan was made.</summary>
    public int StartedEarly { get; private set; }

    /// <summary>Starts what has not started (in plan order, the batch size with it), waits for everything, copies the sums back; returns the global batch.</summary>
    public int Finish(int localBatchSize)
    {
        _buffer[_countSlot] = localBatchSize;   // exact: a sum of integers below 2^24
        var lastSmall = Array.FindLast(_buckets, b => !b.InPlace);
        bool countRides = lastSmall is { Started: false } && lastSmall.Offset + lastSmall.Length == _countSlot;
        foreach (var b in _buckets)
            if (!b.Started) Start(b, withCount: countRides && ReferenceEquals(b, lastSmall));
        if (!countRides) _count = _communicator.AllReduceSumAsync(_buffer, _countSlot, 1);
        foreach (var b in _started) Communicator.Wait(ref b.Pending);
        Communicator.Wait(ref _count);
        foreach (var b in _started)
            if (!b.InPlace) CopyBack(b);
        _broken = false;
        return (int)_buffer[_countSlot];
    }

    private void Start(Bucket b, bool withCount)
    {
        if (b.InPlace) b.Pending = _communicator.AllReduceSumAsync(b.Parameters[0].Grad());
        else
        {
            int at = b.Offset;
            foreach (var p in b.Parameters)
            {
                var grad = p.Grad().AsSpan();
                grad.CopyTo(_buffer.AsSpan(at));
                at += grad.Length;
            }
            b.Pending = _communicator.AllReduceSumAsync(_buffer, b.Offset, b.Length + (withCount ? 1 : 0));
        }
        b.Started = true;
        _started.Add(b);
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
