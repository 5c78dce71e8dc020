namespace Sprout.Nn;

/// <summary>Where a parameter is in its lifecycle.</summary>
public enum ParameterState
{
    /// <summary>Created by its layer; no initializer recorded, no data.</summary>
    Declared,
    /// <summary><c>Initialize()</c> recorded an initializer, but a dimension is still unknown; filled on the first forward.</summary>
    Deferred,
    /// <summary>Shape known, data allocated and filled.</summary>
    Initialized,
}
