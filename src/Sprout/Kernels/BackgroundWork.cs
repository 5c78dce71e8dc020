namespace Sprout.Kernels;

/// <summary>
/// Work split into small pieces that Sprout's worker threads run while they wait between kernel jobs (the serial parts
/// of a training step leave them idle), so that it overlaps the caller's compute without competing with it: a job
/// that arrives waits for one piece at most. The owner calls <see cref="Complete"/> before using the result; it runs
/// the pieces nobody has started and waits for those in flight.
/// </summary>
internal sealed class BackgroundWork
{
    private readonly Action<int> _piece;
    private readonly int _count;
    private int _next = -1;
    private int _remaining;
    private Exception? _error;

    private BackgroundWork(int count, Action<int> piece) => (_count, _remaining, _piece) = (count, count, piece);

    /// <summary>Offers <paramref name="count"/> pieces to the idle workers; with none (one core), <see cref="Complete"/> runs them all.</summary>
    public static BackgroundWork Start(int count, Action<int> piece)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var work = new BackgroundWork(count, piece);
        WorkerPool.Offer(work);
        return work;
    }

    /// <summary>True when no piece is left to start.</summary>
    public bool Exhausted => Volatile.Read(ref _next) + 1 >= _count;

    /// <summary>Runs the next piece if one is left; false when all have been taken.</summary>
    public bool TryRunOne()
    {
        int i = Interlocked.Increment(ref _next);
        if (i >= _count) return false;
        try { _piece(i); }
        catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
        finally { Interlocked.Decrement(ref _remaining); }
        return true;
    }

    /// <summary>Runs what is left, waits for the pieces others are running, and rethrows the first error.</summary>
    public void Complete()
    {
        while (TryRunOne()) { }
        var spin = new SpinWait();
        while (Volatile.Read(ref _remaining) > 0) spin.SpinOnce(sleep1Threshold: -1);
        WorkerPool.Withdraw(this);
        if (_error is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }
}
