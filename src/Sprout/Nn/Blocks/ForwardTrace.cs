namespace Sprout.Nn;

/// <summary>
/// While active on a thread, records every block's forward call — path, block, input and output shapes — in the
/// order the calls complete (children before their container). Summaries and the ONNX exporter read networks this way.
/// </summary>
internal sealed class ForwardTrace
{
    public List<Entry> Entries { get; } = [];

    /// <summary>
    /// One forward call: <see cref="Input"/> and <see cref="Output"/> are the first input's and output's shapes,
    /// <see cref="Inputs"/> and <see cref="Outputs"/> all of them (an absent optional input is null);
    /// <see cref="Parameters"/> holds the block's own parameters with their shapes as they were then.
    /// </summary>
    public sealed record Entry(Block Block, string Path, Shape Input, Shape Output, IReadOnlyList<(string Name, Parameter Parameter, Shape Shape)> Parameters)
    {
        public IReadOnlyList<Shape?> Inputs { get; init; } = [Input];
        public IReadOnlyList<Shape> Outputs { get; init; } = [Output];
    }

    public void Add(Block block, string path, IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor> outputs) =>
        Entries.Add(new Entry(block, path, inputs[0]!.Shape, outputs.Count > 0 ? outputs[0].Shape : Shape.Scalar,
            [.. block.Params.Select(kv => (kv.Key, kv.Value, kv.Value.Shape))])
        {
            Inputs = [.. inputs.Select(t => t?.Shape)],
            Outputs = [.. outputs.Select(t => t.Shape)],
        });

    public static ForwardTrace? Current => ForwardContext.Current.Trace;

    /// <summary>Runs a shape-only pass of <paramref name="block"/> on meta tensors of <paramref name="inputs"/> and returns the trace; the network is left as it was.</summary>
    public static ForwardTrace Of(Block block, IReadOnlyList<Shape> inputs)
    {
        using (ShapeOnlyScope.Enter()) return Of(block, [.. inputs.Select(Tensor.Meta)]);
    }

    /// <summary>Runs a pass of <paramref name="block"/> on <paramref name="examples"/> and returns the trace; the network is left as it was.</summary>
    public static ForwardTrace Of(Block block, Tensor?[] examples)
    {
        var context = ForwardContext.Current;
        var journal = ForwardJournal.Begin();
        var trace = context.Trace = new ForwardTrace();
        try
        {
            using (Autograd.Pause()) block.Forward(examples);
            return trace;
        }
        finally
        {
            context.Trace = null;
            journal?.Rollback();
        }
    }
}
