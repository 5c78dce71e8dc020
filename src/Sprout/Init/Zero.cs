namespace Sprout.Init;

/// <summary>Weights set to 0.</summary>
public sealed class Zero() : Constant(0f);
