namespace Sprout.Kernels;

/// <summary>
/// Work split into small pieces that Sprout's worker threads run while they wait between kernel jobs (the serial parts
/// of a training step leave them idle), so that it overlaps the caller's compute without competing with it: a job
/// that arrives waits for one piece at most. The owner calls <see cref="Complete"/> before using the result; it runs
/// the pieces nobody has started and waits for those in flight.
/// </summary>
internal sealed class BackgroundWork
{
    private readonly WorkerPool.Job _pieces;

    private BackgroundWork(int count, Action<int> piece) => _pieces = new WorkerPool.Job(piece, count);

    /// <summary>Offers <paramref name="count"/> pieces to the idle workers; with none (one core), <see cref="Complete"/> runs them all.</summary>
    public static BackgroundWork Start(int count, Action<int> piece)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var work = new BackgroundWork(count, piece);
        WorkerPool.Offer(work);
        return work;
    }

    /// <summary>True when no piece is left to start.</summary>
    public bool Exhausted => _pieces.Exhausted;

    /// <summary>Runs the next piece if one is left; false when all have been taken.</summary>
    public bool TryRunOne() => _pieces.TryRunOne();

    /// <summary>Runs what is left, waits for the pieces others are running, and rethrows the first error.</summary>
    public void Complete()
    {
        _pieces.Work();
        try { _pieces.WaitAndRethrow(); }
        finally { WorkerPool.Withdraw(this); }
    }
}
