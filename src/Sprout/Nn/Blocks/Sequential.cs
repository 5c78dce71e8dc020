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
    /// <summary>An empty container; add blocks with <see cref="Add(Block)"/> or a collection initializer.</summary>
    public Sequential() { }

    /// <summary>A container of <paramref name="blocks"/>, in order.</summary>
    public Sequential(params IEnumerable<Block> blocks)
    {
        foreach (var b in blocks) Add(b);
    }

    /// <summary>Appends a block named by its position, 0, 1, 2, … (also what the collection initializer calls).</summary>
    public void Add(Block block) => AddChild(ChildCount.ToString(System.Globalization.CultureInfo.InvariantCulture), block);

    /// <summary>Appends a block under a name of its own (<c>Add("conv1", new Conv2D(6, 5))</c>), as PyTorch's OrderedDict form.</summary>
    public void Add(string name, Block block) => AddChild(name, block);

    /// <summary>How many blocks it holds.</summary>
    public int Count => ChildCount;

    /// <summary>
    /// The block at <paramref name="index"/>; setting it puts a new block in its place under the same name (PyTorch's
    /// <c>net[-1] = nn.Linear(512, 2)</c> when fine-tuning). Initialize the new block before the next forward.
    /// </summary>
    public Block this[int index]
    {
        get => ChildAt(CheckIndex(index));
        set => ReplaceChildAt(CheckIndex(index), value);
    }

    private int CheckIndex(int index) => index >= 0 && index < ChildCount ? index
        : throw new ArgumentOutOfRangeException(nameof(index), $"Index {index} is out of range for a Sequential of {ChildCount} blocks (0 to {ChildCount - 1}).");

    /// <summary>The child named <paramref name="name"/>.</summary>
    public Block this[string name] => Get<Block>(name);

    /// <summary>The child at <paramref name="index"/> as <typeparamref name="T"/> (<c>net.Get&lt;Dense&gt;(1)</c>), with a clear error if it is not one.</summary>
    public T Get<T>(int index) where T : Block =>
        this[index] as T ?? throw new InvalidCastException($"Child {index} of this Sequential is a {this[index].GetType().Name}, not a {typeof(T).Name}.");

    /// <summary>
    /// Whether the outputs passed between children while recording are released when <c>Backward()</c> frees the
    /// graph (default true): a training step then reuses their storage instead of allocating it afresh. Reading such a
    /// tensor after <c>Backward()</c> (say, one a custom child kept in a field) throws; set this to false to keep them.
    /// </summary>
    public bool ReleasesIntermediates { get; set; } = true;

    /// <inheritdoc/>
    private protected override bool ReleasesOwnIntermediates => false;   // its hand-offs: ReleasesIntermediates, below

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        int count = ChildCount;
        for (int i = 0; i < count; i++)
        {
            var (name, child) = ChildEntryAt(i);
            long recorded = Autograd.Mark;
            bool reluApplied = false;
            var y = FusesRelu(child, i + 1 < count ? ChildAt(i + 1) : null, x)
                ? ForwardWithRelu(name, child, x, out reluApplied)
                : ForwardChild(name, child, x);
            if (reluApplied) (name, child) = ChildEntryAt(++i);   // the Relu's work is done: y is its output
            if (i < count - 1 && ReleasesIntermediates && y.WasRecordedAfter(recorded))   // never the input: it is older
                y.MarkTransient(child, name);
            x = y;
        }
        return x;
    }

    /// <summary>
    /// Whether a training forward fuses a <see cref="BatchNorm"/> with the <see cref="Relu"/> right after it (default
    /// true): the pair then makes one pass and one tensor, forward and backward, instead of two (ResNet-18 has nine such
    /// pairs). Benchmarks compare.
    /// </summary>
    internal static bool FuseBatchNormRelu { get; set; } = true;

    /// <summary>
    /// A BatchNorm followed by a Relu, in a training forward of real values that no summary or export traces (they show
    /// both blocks): the BatchNorm applies the ReLU itself, its output going nowhere else inside this container.
    /// </summary>
    private static bool FusesRelu(Block child, Block? next, Tensor x) =>
        FuseBatchNormRelu && child is BatchNorm && next is Relu && Autograd.IsTraining && !x.IsMeta && ForwardContext.Current.Trace is null;

    /// <summary>Runs the BatchNorm <paramref name="child"/> asking it to apply the following ReLU; <paramref name="reluApplied"/> tells whether it did.</summary>
    private Tensor ForwardWithRelu(string name, Block child, Tensor x, out bool reluApplied)
    {
        var context = ForwardContext.Current;
        context.ReluFollows = true;
        try
        {
            var y = ForwardChild(name, child, x);
            reluApplied = !context.ReluFollows;
            return y;
        }
        finally
        {
            context.ReluFollows = false;
        }
    }

    /// <summary>Each child's input features must be what the last child that changed them gives.</summary>
    private protected override IEnumerable<string> ChainShapeConflicts(string path)
    {
        (string Name, Block Block, FeatureFlow Flow)? previous = null;
        foreach (var (name, child) in Children)
        {
            var flow = child.Flow;
            if (flow.Axis == FeatureAxis.PassThrough) continue;
            if (previous is { } p && p.Flow.Axis == flow.Axis && p.Flow.Out > 0 && flow.In > 0 && p.Flow.Out != flow.In)
                yield return $"'{Join(path, name)}' ({child.GetType().Name}) takes {flow.In} input features but '{Join(path, p.Name)}' ({p.Block.GetType().Name}) before it gives {p.Flow.Out}";
            previous = flow.Axis == FeatureAxis.Opaque ? null : (name, child, flow);
        }
    }

    /// <inheritdoc/>
    public IEnumerator<Block> GetEnumerator() => Children.Select(kv => kv.Value).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
