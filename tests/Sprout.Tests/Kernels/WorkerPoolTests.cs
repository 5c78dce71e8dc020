using Sprout.Kernels;

namespace Sprout.Tests.Kernels;

/// <summary>Sprout's kernel threads: jobs split over them, and background work taken between jobs.</summary>
public class WorkerPoolTests
{
    [Fact]
    public void Worker_pool_runs_every_index_once_and_rethrows_errors()
    {
        var hits = new int[100];
        WorkerPool.For(100, i => Interlocked.Increment(ref hits[i]));
        Assert.All(hits, h => Assert.Equal(1, h));
        var e = Assert.Throws<InvalidOperationException>(() => WorkerPool.For(10, i => { if (i == 7) throw new InvalidOperationException("seven"); }));
        Assert.Equal("seven", e.Message);
        WorkerPool.For(4, i => WorkerPool.For(3, j => Interlocked.Increment(ref hits[i * 3 + j])));   // nested calls run inline
        Assert.Equal(2, hits[0]);
    }

    [Fact]
    public void Background_work_runs_every_piece_once_overlapping_jobs_and_rethrows_at_completion()
    {
        var hits = new int[200];
        var work = BackgroundWork.Start(200, i => { Thread.SpinWait(2000); Interlocked.Increment(ref hits[i]); });
        WorkerPool.For(8, _ => Thread.SpinWait(20000));   // a kernel job meanwhile: the worker returns to pieces after it
        work.Complete();
        Assert.All(hits, h => Assert.Equal(1, h));
        var failing = BackgroundWork.Start(5, i => { if (i == 3) throw new InvalidOperationException("piece three"); });
        Assert.Equal("piece three", Assert.Throws<InvalidOperationException>(failing.Complete).Message);
        var after = new int[3];
        BackgroundWork.Start(3, i => after[i]++).Complete();   // the failed offer was withdrawn: a new one is taken
        Assert.Equal([1, 1, 1], after);
    }
}
