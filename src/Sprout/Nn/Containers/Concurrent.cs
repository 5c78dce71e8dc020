using System.Collections;
using System.Globalization;

namespace Sprout.Nn;

/// <summary>
/// Branches run side by side on the same input, their outputs concatenated along <see cref="Axis"/> (channels by
/// default): the Inception block's shape, Gluon's <c>HybridConcurrent</c>. Each branch infers its own sizes.
/// </summary>
public sealed class Concurrent : Block, IEnumerable<Block>
{
    /// <summary>An empty set of branches joined along <paramref name="axis"/> (1: channels).</summary>
    public Concurrent(int axis = 1) => Axis = axis;

    /// <summary>The axis the branch outputs are joined along (negative counts from the end).</summary>
    public int Axis { get; }

    /// <summary>Adds a branch named by its position (also what the collection initializer calls).</summary>
    public void Add(Block branch) => AddChild(ChildCount.ToString(CultureInfo.InvariantCulture), branch);

    /// <summary>Adds a branch under a name of its own.</summary>
    public void Add(string name, Block branch) => AddChild(name, branch);

    /// <summary>How many branches it runs.</summary>
    public int Count => ChildCount;

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        if (ChildCount == 0) throw new InvalidOperationException($"Concurrent at '{CurrentPathOrRoot}' has no branches; add at least one.");
        var outputs = Children.Select(kv => ForwardChild(kv.Key, kv.Value, x)).ToArray();
        try { return Tensor.Concat(Axis, outputs); }
        catch (ArgumentException e)
        {
            throw new ArgumentException(
                $"Concurrent at '{CurrentPathOrRoot}' cannot join its branches along axis {Axis}: their outputs have shapes " +
                $"{string.Join(", ", Children.Zip(outputs, (kv, y) => $"'{kv.Key}' {y.Shape}"))}; all but axis {Axis} must agree. {InnerReason.Of(e)}", nameof(x), e);
        }
    }

    /// <inheritdoc/>
    public IEnumerator<Block> GetEnumerator() => Children.Select(kv => kv.Value).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
