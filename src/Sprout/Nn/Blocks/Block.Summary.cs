namespace Sprout.Nn;

public abstract partial class Block
{
    /// <summary>
    /// A shape-only dry run: runs the forward pass on a meta tensor of <paramref name="inputShape"/>, which infers
    /// and fills every deferred parameter without computing anything. Returns the output shape.
    /// </summary>
    public Shape Build(Shape inputShape) => Forward(Tensor.Meta(RequireKnown(inputShape))).Shape;

    /// <summary>The dry run of a block with several inputs (one shape each); returns every output's shape.</summary>
    public Shape[] Build(params Shape[] inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        return [.. Forward([.. inputShapes.Select(s => Tensor.Meta(RequireKnown(s)))]).Select(t => t.Shape)];
    }

    /// <summary>
    /// The layer table for inputs of <paramref name="inputShapes"/>: each layer's path, type, output shape, parameter
    /// shapes and counts, and the total. It comes from a shape-only dry run that fills nothing and leaves the network
    /// exactly as it was, so it works before <c>Initialize()</c> and before any forward pass. A block whose forward reads
    /// values (a loop on <c>x.Norm()</c>) cannot run on shapes alone: use <see cref="Summary(Tensor[])"/> with an example.
    /// </summary>
    public string Summary(params Shape[] inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        if (inputShapes.Length == 0) throw new ArgumentException("Summary needs the shape of at least one input, batch included (e.g. new Shape(1, 20)).", nameof(inputShapes));
        var shapes = inputShapes.Select(RequireKnown).ToList();
        try
        {
            return Render(ForwardTrace.Of(this, shapes), shapes);
        }
        catch (InvalidOperationException e) when (e.Data.Contains(Tensor.MetaReadKey))
        {
            throw new InvalidOperationException(
                $"Summary of this {GetType().Name} cannot run on shapes alone: its forward pass reads tensor values ({e.Message}). " +
                "Pass an example input instead, e.g. net.Summary(Tensor.RandomUniform(2, 20)); the network is left as it was either way.", e);
        }
    }

    /// <summary>
    /// The layer table from a real forward pass on <paramref name="examples"/> (for blocks whose forward depends on the
    /// values). Nothing is recorded for autograd and every parameter is left as it was, filled or not.
    /// </summary>
    public string Summary(params Tensor[] examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (examples.Length == 0 || examples.Any(e => e is null)) throw new ArgumentException("Summary needs at least one example tensor and no nulls.", nameof(examples));
        return Render(ForwardTrace.Of(this, examples), [.. examples.Select(e => e.Shape)]);
    }

    private static string Render(ForwardTrace trace, IReadOnlyList<Shape> inputs)
    {
        var table = new SummaryTable();
        foreach (var entry in trace.Entries) table.Add(entry);
        return table.Render(inputs, trace.Entries.Count > 0 ? trace.Entries[^1].Outputs : []);
    }

    internal static Shape RequireInputShape(Shape shape) => RequireKnown(shape);

    private static Shape RequireKnown(Shape shape)
    {
        if (!shape.IsKnown || shape.Rank == 0)
            throw new ArgumentException($"The input shape {shape} must have at least one dimension and no unknown (-1) sizes; give the full shape, batch included (e.g. new Shape(1, 20)).", nameof(shape));
        return shape;
    }
}
