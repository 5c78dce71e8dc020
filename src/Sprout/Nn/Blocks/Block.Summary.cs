namespace Sprout.Nn;

public abstract partial class Block
{
    /// <summary>
    /// The layer table for an input of <paramref name="inputShape"/>: each layer's path, type, output shape, parameter
    /// shapes and counts, and the total. It comes from a shape-only dry run that fills nothing and leaves the network
    /// exactly as it was, so it works before <c>Initialize()</c> and before any forward pass.
    /// </summary>
    public string Summary(Shape inputShape)
    {
        var input = RequireKnown(inputShape);
        var table = new SummaryTable();
        foreach (var entry in ForwardTrace.Of(this, input).Entries) table.Add(entry);
        return table.Render(input);
    }
}
