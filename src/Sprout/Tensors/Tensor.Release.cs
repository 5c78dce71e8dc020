namespace Sprout;

// Releasing the storage of intermediate outputs. A training step's activations are the largest arrays it makes, and
// fresh large arrays are expensive (zeroed, often page-faulted in again). When a Sequential hands one child's output to
// the next, nothing outside the recorded graph refers to it, so it is marked transient; so are the tensors a built-in
// block computes inside its forward other than its outputs (Block.Run). When Backward() frees the graph, transient
// tensors are released: reading one afterwards throws, and once every tensor sharing the storage is released (the
// owner and all its views) the array goes back to the StoragePool for the next step. A transient view the loss does
// not reach (a recurrent layer's final state, a view of the sequence it also returns a copy of) is never released
// with the graph; since no caller can hold a transient view, the owner's storage goes back when the owner is released
// and all its views are transient.
public sealed partial class Tensor
{
    /// <summary>True once <see cref="Backward"/> freed the graph this transient intermediate belonged to.</summary>
    public bool IsReleased => _released;

    /// <summary>True once marked as an intermediate to release when its graph is freed.</summary>
    internal bool IsTransient => _producer is not null;

    /// <summary>Marks this tensor as an intermediate that only the recorded graph refers to; <paramref name="producer"/> and its <paramref name="name"/> are for messages.</summary>
    internal void MarkTransient(object producer, string name)
    {
        if (_producer is null && _owner is not null) Interlocked.Increment(ref _owner._transientViews);
        (_producer, _producerName) = (producer, name);
    }

    /// <summary>Releases a transient tensor once its graph is freed; returns the storage when nothing else shares it.</summary>
    private void ReleaseIfTransient()
    {
        if (_producer is null || _released) return;
        _released = true;
        var owner = _owner ?? this;
        if (_owner is not null) Interlocked.Increment(ref owner._releasedViews);
        // A released tensor makes no views, so the counts below only grow towards _views; _returned makes the return once.
        if (owner is { _released: true, _pooled: true } && AllViewsReleasedOrTransient(owner) && Interlocked.Exchange(ref owner._returned, 1) == 0)
            StoragePool.Return(owner._data!);
    }

    private static bool AllViewsReleasedOrTransient(Tensor owner)
    {
        int views = Volatile.Read(ref owner._views);
        return Volatile.Read(ref owner._releasedViews) == views || Volatile.Read(ref owner._transientViews) == views;
    }

    private InvalidOperationException ReleasedError() => new(
        $"This tensor of shape {Shape} was an intermediate output (of {_producer?.GetType().Name} '{_producerName}' inside a Sequential) and its storage was released for reuse " +
        "when Backward() freed the graph it belonged to. To keep an intermediate value, Clone() it before calling Backward(), " +
        "or set ReleasesIntermediates = false on the Sequential that produced it.");
}
