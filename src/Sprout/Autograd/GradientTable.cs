using System.Numerics.Tensors;

namespace Sprout;

/// <summary>
/// The gradients of one backward pass, by tensor, and the bookkeeping that recycles their storage. Arrays rented
/// during the pass (in <paramref name="rentals"/>) are counted by how many table entries refer to them (a rule may
/// return its input gradient or a view of it, or the same tensor for two inputs); when that count drops to zero the
/// array goes back to the <see cref="StoragePool"/>. After each node, arrays rented by its rules and held by no entry
/// (their scratch) go back too. Arrays the pass did not rent (the head gradient, forward tensors) are never touched.
/// </summary>
internal sealed class GradientTable(HashSet<float[]> rentals)
{
    private readonly Dictionary<Tensor, Tensor> _grads = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<float[], int> _holders = new(ReferenceEqualityComparer.Instance);

    /// <summary>The table of the backward pass running on this thread, if any.</summary>
    [ThreadStatic] private static GradientTable? t_current;

    /// <summary>Makes this the current pass's table until the scope is disposed.</summary>
    public Scope Enter() => new(this);

    public readonly struct Scope : IDisposable
    {
        private readonly GradientTable? _previous;

        public Scope(GradientTable table) => (_previous, t_current) = (t_current, table);

        public void Dispose() => t_current = _previous;
    }

    /// <summary>
    /// Where a backward rule may write its contribution to <paramref name="leaf"/>'s gradient directly instead of into
    /// a new tensor that would then be copied: the leaf's own gradient buffer, when the leaf replaces its gradient
    /// (<see cref="GradReq.Write"/>) and no contribution to it has arrived yet in the current pass. A later contribution
    /// (a weight used twice) is then added as usual. Null otherwise: the rule allocates.
    /// </summary>
    public static Tensor? DirectDestination(Tensor leaf) =>
        t_current is { } table && leaf.Node is null && leaf.GradBuffer is { } buffer && leaf.GradRequest == GradReq.Write &&
        !table._grads.ContainsKey(leaf) ? buffer : null;

    public bool TryGet(Tensor t, out Tensor gradient) => _grads.TryGetValue(t, out gradient!);

    public void Set(Tensor t, Tensor gradient)
    {
        Hold(gradient);
        _grads[t] = gradient;
    }

    /// <summary>Adds <paramref name="contribution"/> to the gradient of <paramref name="t"/> (in place when that gradient's storage is ours alone).</summary>
    public void Accumulate(Tensor t, Tensor contribution)
    {
        if (!_grads.TryGetValue(t, out var sum)) { Set(t, contribution); return; }
        if (sum.Shape == contribution.Shape && HeldOnceByUs(sum) && !ReferenceEquals(sum.Storage, contribution.Storage))
        {
            AddInPlace(sum, contribution);
            return;   // the contribution, held by no entry, goes back at the end of the node
        }
        Hold(contribution);
        var total = sum + contribution;
        Drop(sum);
        Drop(contribution);
        Set(t, total);
    }

    /// <summary>sum += contribution, over the threads when large (a residual block's input gradient: 4.7 MB at ResNet's 64 channels).</summary>
    private static void AddInPlace(Tensor sum, Tensor contribution)
    {
        Kernels.WorkerPool.ForRanges(sum.Length, sum.Length, (start, end) =>
            TensorPrimitives.Add(sum.Span.Slice(start, end - start), contribution.Span.Slice(start, end - start), sum.AsSpan().Slice(start, end - start)));
    }

    /// <summary>The gradient of <paramref name="t"/> has been used up: drop its entry and recycle what nothing holds.</summary>
    public void Consumed(Tensor t)
    {
        if (_grads.Remove(t, out var g)) Drop(g);
        rentals.RemoveWhere(ReturnIfUnheld);
    }

    private bool ReturnIfUnheld(float[] array)
    {
        if (_holders.ContainsKey(array)) return false;
        StoragePool.Return(array);
        return true;
    }

    private bool HeldOnceByUs(Tensor t) => t.Storage is { } s && _holders.TryGetValue(s, out int n) && n == 1;

    private void Hold(Tensor t)
    {
        if (t.Storage is { } s && rentals.Contains(s)) _holders[s] = _holders.GetValueOrDefault(s) + 1;
    }

    private void Drop(Tensor t)
    {
        if (t.Storage is not { } s || !_holders.TryGetValue(s, out int n)) return;
        if (n > 1) { _holders[s] = n - 1; return; }
        _holders.Remove(s);
        rentals.Remove(s);
        StoragePool.Return(s);
    }
}
