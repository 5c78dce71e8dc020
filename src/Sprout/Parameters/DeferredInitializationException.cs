namespace Sprout.Nn;

/// <summary>
/// Thrown when a parameter's data is needed while its initialization is still deferred: a dimension is unknown
/// until the first forward pass. The message names the parameter and its shape with the unknown -1s.
/// </summary>
public sealed class DeferredInitializationException(string parameterPath, Shape shape, string message)
    : InvalidOperationException(message)
{
    /// <summary>The parameter's path in its network (<c>0.weight</c>).</summary>
    public string ParameterPath { get; } = parameterPath;
    /// <summary>The parameter's shape, unknown dimensions as −1.</summary>
    public Shape Shape { get; } = shape;
}
