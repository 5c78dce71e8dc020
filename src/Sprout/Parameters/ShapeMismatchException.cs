namespace Sprout.Nn;

/// <summary>
/// Thrown when an input or a tensor contradicts a shape already fixed (by <c>inUnits</c>, by an earlier forward, or
/// by a checkpoint). Names the layer's path in the network, the parameter, the expected and the actual shape.
/// </summary>
public sealed class ShapeMismatchException(string where, Shape expected, Shape actual, string message)
    : ArgumentException(message)
{
    /// <summary>The layer path or parameter path where the mismatch was found, e.g. <c>1.weight</c>.</summary>
    public string Where { get; } = where;
    /// <summary>The shape the parameter has.</summary>
    public Shape Expected { get; } = expected;
    /// <summary>The shape the input or data implied.</summary>
    public Shape Actual { get; } = actual;
}
