namespace Sprout.Nn;

/// <summary>Thrown when a parameter is used before <c>Initialize()</c> was called on its network.</summary>
public sealed class UninitializedParameterException(string parameterPath, Shape shape, string message)
    : InvalidOperationException(message)
{
    /// <summary>The parameter's path in its network (<c>0.weight</c>).</summary>
    public string ParameterPath { get; } = parameterPath;
    /// <summary>The parameter's shape, unknown dimensions as −1.</summary>
    public Shape Shape { get; } = shape;
}
