using Sprout.IO;
using Sprout.Nn;

namespace Sprout.Distributed;

/// <summary>Moving a network's parameters between ranks, and checkpoints in a job.</summary>
public static class NetworkTransfer
{
    /// <summary>
    /// Copies every parameter of <paramref name="net"/> from rank <paramref name="root"/> to all ranks (say, after loading a
    /// checkpoint on one rank). Other ranks may hold the network unfilled: the root's shapes fill their deferred parameters.
    /// The root's parameters must all be filled, and every rank must have built the same network.
    /// </summary>
    public static void Broadcast(this Communicator communicator, Block net, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(net);
        var parameters = net.CollectParams().Values.ToArray();
        Span<int> count = [parameters.Length];
        communicator.Broadcast(count, root);
        if (count[0] != parameters.Length)
            throw new InvalidOperationException($"Broadcast: rank {root} sends {count[0]} parameters but rank {communicator.Rank} has {parameters.Length}; every rank must build the same network.");
        foreach (var p in parameters)
        {
            if (communicator.Rank == root && !p.IsInitialized)
                throw new InvalidOperationException($"Broadcast: parameter '{p.Path}' {p.Shape} is not filled on the root rank {root}; run a forward pass or load a checkpoint there first.");
            var dims = new int[8];
            int[] shape = communicator.Rank == root ? [.. p.Shape] : [];
            dims[0] = shape.Length;
            shape.CopyTo(dims, 1);
            communicator.Broadcast(dims.AsSpan(0, 8), root);
            var received = new Shape(dims.AsSpan(1, dims[0]));
            var values = communicator.Rank == root ? p.Data() : Tensor.Zeros(received);
            communicator.Broadcast(values.AsSpan(), root);
            if (communicator.Rank != root) p.SetData(values);
        }
    }

    /// <summary>
    /// Saves <paramref name="trainer"/>'s optimizer state (<c>SaveStates</c>) from rank 0 only, then waits for all ranks.
    /// The state is the same on every rank (each applies the same summed gradients), so any number of ranks can load
    /// the file, each with <c>LoadStates</c>, after loading the parameters.
    /// </summary>
    public static void SaveStatesOnRoot(this Communicator communicator, DistributedTrainer trainer, string path)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        OnRoot(communicator, () => trainer.Trainer.SaveStates(path), $"save the trainer states to {path}");
    }

    /// <summary>
    /// Saves <paramref name="net"/>'s parameters from rank 0 only (atomically, as every Sprout checkpoint); every rank
    /// returns once it is written, or throws if rank 0 could not write it.
    /// </summary>
    public static void SaveParametersOnRoot(this Communicator communicator, Block net, string path)
    {
        ArgumentNullException.ThrowIfNull(net);
        OnRoot(communicator, () => net.SaveParameters(path), $"save the parameters to {path}");
    }

    /// <summary>
    /// Runs <paramref name="save"/> on rank 0 and tells every rank how it went, so that a failed write (a full disk, a
    /// bad path) is an exception on every rank — rank 0's own, an <see cref="IOException"/> naming it elsewhere — rather
    /// than ranks waiting forever for one that caught its error and moved on.
    /// </summary>
    private static void OnRoot(Communicator communicator, Action save, string what)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        Exception? error = null;
        if (communicator.IsRoot)
            try { save(); }
            catch (Exception e) { error = e; }
        Span<int> failed = [error is null ? 0 : 1];
        communicator.Broadcast(failed, root: 0);
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        if (failed[0] != 0) throw new IOException($"Rank 0 could not {what}; its error says why. Nothing was saved.");
    }
}
