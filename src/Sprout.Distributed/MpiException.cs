namespace Sprout.Distributed;

/// <summary>An MPI call failed: the call, its error code and MPI's own description of it.</summary>
public sealed class MpiException(string call, int errorCode, string description)
    : Exception($"MPI: {call} failed with error {errorCode}: {description}")
{
    /// <summary>The MPI error code.</summary>
    public int ErrorCode { get; } = errorCode;
}
