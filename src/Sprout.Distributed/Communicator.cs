using Sprout.Distributed.Native;

namespace Sprout.Distributed;

/// <summary>
/// The ranks of an MPI job (MPI_COMM_WORLD): who this process is, how many there are, and the collectives training needs
/// — sum all-reduce of float32 (blocking or not), broadcast, all-gather, barrier, abort. Launch with
/// <c>mpirun -np N dotnet app.dll</c>; run alone, a process is a job of one rank. Collectives come from the MPI library;
/// none is written here.
/// </summary>
public sealed unsafe class Communicator : IDisposable
{
    private static Communicator? s_world;
    private static readonly Lock s_gate = new();

    private Communicator(int rank, int size) => (Rank, Size) = (rank, size);

    /// <summary>This process's rank, 0 … <see cref="Size"/> − 1.</summary>
    public int Rank { get; }

    /// <summary>The number of ranks in the job.</summary>
    public int Size { get; }

    /// <summary>Whether this is rank 0 (which writes checkpoints and prints).</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>
    /// All the ranks of the job, MPI initialized on first use. An exception this process does not catch aborts the whole
    /// job (MPI_Abort) after printing it with the rank, so that no other rank waits forever in a collective.
    /// </summary>
    public static Communicator World
    {
        get
        {
            lock (s_gate)
            {
                if (s_world is not null) return s_world;
                MpiNative.Load();
                Check(MpiNative.MPI_Initialized(out int initialized), "MPI_Initialized");
                if (initialized == 0) Check(MpiNative.MPI_Init(0, 0), "MPI_Init");
                Check(MpiNative.MPI_Comm_rank(MpiNative.CommWorld, out int rank), "MPI_Comm_rank");
                Check(MpiNative.MPI_Comm_size(MpiNative.CommWorld, out int size), "MPI_Comm_size");
                s_world = new Communicator(rank, size);
                AppDomain.CurrentDomain.UnhandledException += (_, e) =>
                {
                    Console.Error.WriteLine($"Sprout.Distributed: rank {rank} of {size} failed and aborts the job: {e.ExceptionObject}");
                    Console.Error.Flush();
                    MpiNative.MPI_Abort(MpiNative.CommWorld, 1);
                };
                return s_world;
            }
        }
    }

    /// <summary>Sums <paramref name="values"/> over all ranks, in place: afterwards every rank holds the sum.</summary>
    public void AllReduceSum(Span<float> values)
    {
        if (values.IsEmpty || Size == 1) return;
        fixed (float* p = values)
            Check(MpiNative.MPI_Allreduce((void*)MpiNative.InPlace, p, values.Length, MpiNative.Float, MpiNative.OpSum, MpiNative.CommWorld), "MPI_Allreduce");
    }

    /// <summary>
    /// Starts summing <paramref name="buffer"/>[<paramref name="offset"/> .. + <paramref name="count"/>) over all ranks in
    /// place and returns at once; the buffer must stay untouched (and alive) until <see cref="Wait"/> returns.
    /// </summary>
    public PendingReduction AllReduceSumAsync(float[] buffer, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, buffer.Length - offset);
        if (count == 0 || Size == 1) return default;
        return StartAllReduce(new Memory<float>(buffer, offset, count).Pin(), count);
    }

    /// <summary>
    /// Starts summing <paramref name="values"/>' elements over all ranks in place (a gradient, with no copy) and returns
    /// at once; the tensor must stay untouched until <see cref="Wait"/> returns.
    /// </summary>
    public PendingReduction AllReduceSumAsync(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0 || Size == 1) return default;
        return StartAllReduce(values.Pin(), values.Length);
    }

    private PendingReduction StartAllReduce(System.Buffers.MemoryHandle pinned, int count)
    {
        int code = MpiNative.MPI_Iallreduce((void*)MpiNative.InPlace, pinned.Pointer, count, MpiNative.Float, MpiNative.OpSum, MpiNative.CommWorld, out nint request);
        if (code != 0) pinned.Dispose();
        Check(code, "MPI_Iallreduce");
        return new PendingReduction(request, pinned);
    }

    /// <summary>Waits for a reduction started by <see cref="AllReduceSumAsync(float[], int, int)"/>.</summary>
    public static void Wait(ref PendingReduction pending)
    {
        if (pending.IsDone) return;
        var request = pending.Request;
        try { Check(MpiNative.MPI_Wait(ref request, 0), "MPI_Wait"); }
        finally { pending.Finish(); }
    }

    /// <summary>
    /// Whether a reduction has finished (then it is finished as by <see cref="Wait"/>), without waiting. Each call also
    /// moves the rank's outstanding reductions on: Open MPI advances them only inside MPI calls.
    /// </summary>
    public static bool Test(ref PendingReduction pending)
    {
        if (pending.IsDone) return true;
        var request = pending.Request;
        int code = MpiNative.MPI_Test(ref request, out int flag, 0);
        if (code != 0 || flag != 0) pending.Finish();
        Check(code, "MPI_Test");
        return flag != 0;
    }

    /// <summary>Copies <paramref name="values"/> from rank <paramref name="root"/> to every rank.</summary>
    public void Broadcast(Span<float> values, int root)
    {
        CheckRoot(root);
        if (values.IsEmpty || Size == 1) return;
        fixed (float* p = values) Check(MpiNative.MPI_Bcast(p, values.Length, MpiNative.Float, root, MpiNative.CommWorld), "MPI_Bcast");
    }

    /// <summary>Copies <paramref name="values"/> from rank <paramref name="root"/> to every rank.</summary>
    public void Broadcast(Span<int> values, int root)
    {
        CheckRoot(root);
        if (values.IsEmpty || Size == 1) return;
        fixed (int* p = values) Check(MpiNative.MPI_Bcast(p, values.Length, MpiNative.Int, root, MpiNative.CommWorld), "MPI_Bcast");
    }

    /// <summary>Every rank's <paramref name="values"/>, rank after rank: (Size × values.Length).</summary>
    public double[] AllGather(ReadOnlySpan<double> values)
    {
        var all = new double[values.Length * Size];
        if (Size == 1) { values.CopyTo(all); return all; }
        fixed (double* send = values) fixed (double* receive = all)
            Check(MpiNative.MPI_Allgather(send, values.Length, MpiNative.Double, receive, values.Length, MpiNative.Double, MpiNative.CommWorld), "MPI_Allgather");
        return all;
    }

    /// <summary>Waits until every rank has reached this call.</summary>
    public void Barrier()
    {
        if (Size > 1) Check(MpiNative.MPI_Barrier(MpiNative.CommWorld), "MPI_Barrier");
    }

    /// <summary>Ends every rank of the job with <paramref name="errorCode"/> (after printing <paramref name="reason"/>).</summary>
    public void Abort(string reason, int errorCode = 1)
    {
        Console.Error.WriteLine($"Sprout.Distributed: rank {Rank} of {Size} aborts the job: {reason}");
        Console.Error.Flush();
        MpiNative.MPI_Abort(MpiNative.CommWorld, errorCode);
    }

    /// <summary>Finalizes MPI (once, at the end of the program; every rank must call it).</summary>
    public void Dispose()
    {
        lock (s_gate)
        {
            if (MpiNative.MPI_Finalized(out int finalized) == 0 && finalized == 0) MpiNative.MPI_Finalize();
        }
    }

    private void CheckRoot(int root)
    {
        if ((uint)root >= (uint)Size)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"The root must be a rank in 0..{Size - 1}.");
    }

    private static void Check(int code, string call)
    {
        if (code == 0) return;
        var text = stackalloc byte[256];
        MpiNative.MPI_Error_string(code, text, out int length);
        throw new MpiException(call, code, System.Text.Encoding.UTF8.GetString(text, Math.Clamp(length, 0, 256)));
    }
}

/// <summary>A reduction started by <c>Communicator.AllReduceSumAsync</c>; pass it to <see cref="Communicator.Wait"/> or <see cref="Communicator.Test"/>.</summary>
public struct PendingReduction
{
    internal PendingReduction(nint request, System.Buffers.MemoryHandle pin) => (Request, _pin, _started) = (request, pin, true);

    private System.Buffers.MemoryHandle _pin;
    private bool _started;

    internal nint Request { get; private set; }

    /// <summary>True when nothing is in flight: finished, or never started (a single rank, nothing to sum).</summary>
    internal readonly bool IsDone => !_started;

    /// <summary>Unpins the buffer and forgets the request.</summary>
    internal void Finish()
    {
        _pin.Dispose();
        (_pin, Request, _started) = (default, 0, false);
    }
}
