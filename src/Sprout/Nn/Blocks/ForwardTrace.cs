namespace Sprout.Nn;

/// <summary>
/// While active on a thread, records every block's forward call — path, block, input and output shape — in the
/// order the calls complete (children before their container). Summaries and the ONNX exporter read networks this way.
/// </summary>
internal sealed class ForwardTrace
{
    public List<Entry> Entries { get; } = [];

    /// <summary>One forward call; <see cref="Parameters"/> holds the block's own parameters with their shapes as they were then.</summary>
    public sealed record Entry(Block Block, string Path, Shape Input, Shape Output, IReadOnlyList<(string Name, Parameter Parameter, Shape Shape)> Parameters);

    public void Add(Block block, string path, Shape input, Shape output) =>
        Entries.Add(new Entry(block, path, input, output, [.. block.Params.Select(kv => (kv.Key, kv.Value, kv.Value.Shape))]));

    public static ForwardTrace? Current => ForwardContext.Current.Trace;

    public static ForwardTrace Begin() => ForwardContext.Current.Trace = new ForwardTrace();

    public static void End() => ForwardContext.Current.Trace = null;

    /// <summary>Runs a shape-only pass of <paramref name="block"/> on <paramref name="input"/> and returns the trace; the network is left as it was.</summary>
    public static ForwardTrace Of(Block block, Shape input)
    {
        var journal = ForwardJournal.Begin();
        var trace = Begin();
        try
        {
            using (ShapeOnlyScope.Enter()) block.Forward(Tensor.Meta(input));
            return trace;
        }
        finally
        {
            End();
            journal?.Rollback();
        }
    }
}
