namespace Sprout;

// Releasing the storage of intermediate outputs. A training step's activations are the largest arrays it makes, and
// fresh large arrays are expensive (zeroed, often page-faulted in again). When a Sequential hands one child's output to
// the next, nothing outside the recorded graph refers to it, so it is marked transient; so are the tensors a built-in
// block computes inside its forward other than its outputs (Block.Run). When Backward() frees the graph, transient
// tensors are released: reading one afterwards throws, and once every tensor sharing the storage is released (the
// owner and all its views) the array goes back to the StoragePool for the next step. The intermediates of one block's
// forward are released together: some are never reached from the loss (the attention weights a fused attention also
// records, a recurrent layer's final state taken as a view of its state sequence), and no caller can hold one, so
// they go when the first of them does; left to the GC, each step allocated them afresh.
public sealed partial class Tensor
{
    /// <summary>True once <see cref="Backward(Tensor?)"/> freed the graph this transient intermediate belonged to.</summary>
    public bool IsReleased => _released;

    /// <summary>True once marked as an intermediate to release when its graph is freed.</summary>
    internal bool IsTransient => _producer is not null;

    /// <summary>
    /// Marks this tensor as an intermediate that only the recorded graph refers to; <paramref name="producer"/> and its
    /// <paramref name="name"/> are for messages; <paramref name="siblings"/>, the intermediates of the same forward, are
    /// released with it.
    /// </summary>
    internal void MarkTransient(object producer, string name, List<Tensor>? siblings = null) =>
        (_producer, _producerName, _siblings) = (producer, name, siblings ?? _siblings);

    /// <summary>
    /// Gives this tensor's storage back to Sprout's pool now, for the next step to reuse, as TorchSharp's <c>Dispose</c>
    /// does: for a large temporary a training loop holds (a network's output and what the loss made of it) once
    /// <c>Backward()</c> has run. Left to the garbage collector such an array comes back as fresh memory, paged in again
    /// (1.2–1.7 ms for a 1.1 MB array on the machines measured). Reading this tensor afterwards throws, and so does a
    /// backward pass that still needs it. A view releases only itself: the storage goes back once its owner and every
    /// view of it are released. Releasing twice, or a meta tensor, does nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">This tensor is a parameter's data, has a gradient buffer
    /// (<see cref="AttachGrad"/>), or is one.</exception>
    public void Release()
    {
        if (GradBuffer is not null || _isGradientBuffer)
            throw new InvalidOperationException(
                $"Release: this tensor of shape {Shape} is {(_isGradientBuffer ? "a gradient buffer" : "a leaf with a gradient buffer (a parameter's data, or a tensor given AttachGrad())")}, " +
                "which the network or the trainer keeps using; only temporaries can be released. Release the outputs and losses computed from it instead.");
        if (IsMeta || _released) return;
        _producer ??= s_releasedByCaller;
        MarkReleased();
    }

    /// <summary>The producer recorded for a tensor its caller released (for the error message).</summary>
    private static readonly object s_releasedByCaller = new();

    /// <summary>Releases a transient tensor once its graph is freed, and its siblings; returns the storage when nothing else shares it.</summary>
    private void ReleaseIfTransient()
    {
        if (_producer is null || _released) return;
        MarkReleased();
    }

    private void MarkReleased()
    {
        _released = true;
        if (_siblings is { } siblings)
        {
            _siblings = null;
            foreach (var t in siblings) t.ReleaseSibling();
        }
        var owner = _owner ?? this;
        if (_owner is not null) Interlocked.Increment(ref owner._releasedViews);
        // This holds once every tensor on the storage is released (a released tensor makes no views). It can be seen
        // twice: an owner releasing its siblings releases its own views before it checks, so _returned keeps the
        // return to one (two would hand one array to two tensors).
        if (owner is { _released: true, _pooled: true } && Volatile.Read(ref owner._releasedViews) == Volatile.Read(ref owner._views)
            && Interlocked.Exchange(ref owner._returned, 1) == 0)
            StoragePool.Return(owner._data!);
    }

    /// <summary>Releases a sibling the loss may not have reached: its tape node goes too (nothing can run it any more).</summary>
    private void ReleaseSibling()
    {
        if (_released) return;
        Node = null;
        _graphFreed = true;
        ReleaseIfTransient();
    }

    private InvalidOperationException ReleasedError() => ReferenceEquals(_producer, s_releasedByCaller)
        ? new($"This tensor of shape {Shape} was released with Release() and its storage went back to the pool for reuse. " +
            "Release a tensor only once nothing reads it any more, a backward pass that still needs it included; to keep its values, Clone() it first.")
        : new(
        $"This tensor of shape {Shape} was an intermediate output (of {_producer?.GetType().Name} '{_producerName}' inside a Sequential) and its storage was released for reuse " +
        "when Backward() freed the graph it belonged to. To keep an intermediate value, Clone() it before calling Backward(), " +
        "or set ReleasesIntermediates = false on the Sequential that produced it.");
}
