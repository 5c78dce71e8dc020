namespace Sprout.Nn;

/// <summary>
/// What a layer's parameter shapes say about the feature axis of its input and output, with no input at hand: a
/// <c>Dense</c> with weight (8, 4) takes 4 features on the last axis and gives 8. Loading a checkpoint into a deferred
/// network uses it to check the file's shapes against one another (<see cref="Block.ShapeConflicts"/>).
/// </summary>
/// <param name="Axis">Which axis <see cref="In"/> and <see cref="Out"/> are sizes of.</param>
/// <param name="In">The input's size on that axis, or <see cref="Shape.Unknown"/>.</param>
/// <param name="Out">The output's size on that axis, or <see cref="Shape.Unknown"/>.</param>
internal readonly record struct FeatureFlow(FeatureAxis Axis, int In, int Out)
{
    /// <summary>The output has the input's feature size (activations, pooling, dropout).</summary>
    public static FeatureFlow PassThrough => new(FeatureAxis.PassThrough, Shape.Unknown, Shape.Unknown);

    /// <summary>Nothing can be said (a custom block, a reshape).</summary>
    public static FeatureFlow Opaque => new(FeatureAxis.Opaque, Shape.Unknown, Shape.Unknown);
}

internal enum FeatureAxis
{
    PassThrough,
    Opaque,
    /// <summary>Axis 1 of (N, C, …): convolutions and batch norm.</summary>
    Channels,
    /// <summary>The last axis: dense layers.</summary>
    Last,
}
