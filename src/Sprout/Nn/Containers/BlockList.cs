using System.Collections;
using System.Globalization;

namespace Sprout.Nn;

/// <summary>
/// A list of blocks that belong to a network without a forward of its own (PyTorch's <c>ModuleList</c>): the block that
/// holds it decides how to run them. Children are named 0, 1, 2, …, so parameters read <c>blocks.0.weight</c>.
/// </summary>
public sealed class BlockList : Block, IReadOnlyList<Block>
{
    /// <summary>An empty list.</summary>
    public BlockList() { }

    /// <summary>A list of <paramref name="blocks"/>, in order.</summary>
    public BlockList(params IEnumerable<Block> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        foreach (var b in blocks) Add(b);
    }

    /// <summary>Appends a block (also what the collection initializer calls).</summary>
    public void Add(Block block) => AddChild(Count.ToString(CultureInfo.InvariantCulture), block);

    /// <summary>How many blocks it holds.</summary>
    public int Count => ChildCount;

    /// <summary>The block at <paramref name="index"/>; setting it puts a new block in its place under the same name (PyTorch's <c>ModuleList</c> item assignment).</summary>
    public Block this[int index]
    {
        get => ChildAt(CheckIndex(index));
        set => ReplaceChildAt(CheckIndex(index), value);
    }

    private int CheckIndex(int index) => index >= 0 && index < Count ? index
        : throw new ArgumentOutOfRangeException(nameof(index), $"Index {index} is out of range for a BlockList of {Count} blocks (0 to {Count - 1}).");

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => throw new NotSupportedException(
        $"A BlockList (at '{CurrentPathOrRoot}') has no forward of its own: run its blocks from the block that holds it, or use a Sequential.");

    /// <inheritdoc/>
    public IEnumerator<Block> GetEnumerator() => Children.Select(kv => kv.Value).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
