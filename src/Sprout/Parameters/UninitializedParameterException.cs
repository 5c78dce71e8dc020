namespace Sprout.Nn;

/// <summary>Thrown when a parameter is used before <c>Initialize()</c> was called on its network.</summary>
public sealed class UninitializedParameterException(string parameterPath, Shape shape, string message)
    : InvalidOperationException(message)
{
    public string ParameterPath { get; } = parameterPath;
    public Shape Shape { get; } = shape;
}
