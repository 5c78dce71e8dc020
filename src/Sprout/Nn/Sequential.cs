using System.Collections;

namespace Sprout.Nn;

/// <summary>
/// Blocks run one after another, each fed the previous one's output. Children are named 0, 1, 2, ….
/// While recording, the outputs handed from one child to the next are intermediates that only the graph refers to:
/// when <c>Backward()</c> frees the graph, their storage is released for reuse by the next step (see
/// <see cref="ReleasesIntermediates"/>). The final output is never released.
/// </summary>
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

    /// <summary>
    /// Whether the outputs passed between children while recording are released when <c>Backward()</c> frees the
    /// graph (default true): a training step then reuses their storage instead of allocating it afresh. Reading such a
    /// tensor after <c>Backward()</c> (say, one a custom child kept in a field) throws; set this to false to keep them.
    /// </summary>
    public bool ReleasesIntermediates { get; set; } = true;

    protected override Tensor ForwardCore(Tensor x)
    {
        int remaining = ChildCount;
        foreach (var (name, child) in Children)
        {
            long recorded = TapeNode.Issued;
            var y = ForwardChild(name, child, x);
            if (--remaining > 0 && ReleasesIntermediates && y.WasRecordedAfter(recorded))   // never the input: it is older
                y.MarkTransient(child, name);
            x = y;
        }
        return x;
    }

    public IEnumerator<Block> GetEnumerator() => Children.Select(kv => kv.Value).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
