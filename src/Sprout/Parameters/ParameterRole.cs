namespace Sprout.Nn;

/// <summary>What a parameter is for; initializers dispatch on it, as Gluon's do on the name's suffix.</summary>
public enum ParameterRole
{
    /// <summary>A weight: the initializer's own scheme.</summary>
    Weight,
    /// <summary>A bias: zeros.</summary>
    Bias,
    /// <summary>A normalization scale: ones.</summary>
    Gamma,
    /// <summary>A normalization shift: zeros.</summary>
    Beta,
    /// <summary>A running mean (a buffer): zeros.</summary>
    RunningMean,
    /// <summary>A running variance (a buffer): ones.</summary>
    RunningVar,
}

internal static class ParameterRoles
{
    /// <summary>The role implied by a parameter's name (<c>weight</c>, <c>bias</c>, <c>gamma</c>, …); weight otherwise.</summary>
    public static ParameterRole FromName(string name) => name switch
    {
        _ when name.EndsWith("bias", StringComparison.Ordinal) => ParameterRole.Bias,
        _ when name.EndsWith("gamma", StringComparison.Ordinal) => ParameterRole.Gamma,
        _ when name.EndsWith("beta", StringComparison.Ordinal) => ParameterRole.Beta,
        _ when name.EndsWith("running_mean", StringComparison.Ordinal) => ParameterRole.RunningMean,
        _ when name.EndsWith("running_var", StringComparison.Ordinal) => ParameterRole.RunningVar,
        _ => ParameterRole.Weight,
    };
}
