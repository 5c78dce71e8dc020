using System.Collections;

namespace Sprout.Nn;

/// <summary>Blocks run one after another, each fed the previous one's output. Children are named 0, 1, 2, ….</summary>
public class Sequential : Block, IEnumerable<Block>
{
    public Sequential() { }

    public Sequential(params IEnumerable<Block> blocks)
    {
        foreach (var b in blocks) Add(b);
    }

    /// <summary>Appends a block (also what the collection initializer calls).</summary>
    public void Add(Block block) => AddChild(ChildCount.ToString(System.Globalization.CultureInfo.InvariantCulture), block);

    public int Count => ChildCount;

    public Block this[int index] => index >= 0 && index < ChildCount ? ChildAt(index)
        : throw new ArgumentOutOfRangeException(nameof(index), $"Index {index} is out of range for a Sequential of {ChildCount} blocks.");

    protected override Tensor ForwardCore(Tensor x)
    {
        foreach (var (name, child) in Children) x = ForwardChild(name, child, x);
        return x;
    }

    public IEnumerator<Block> GetEnumerator() => Children.Select(kv => kv.Value).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
