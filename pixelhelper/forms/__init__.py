"""Forms: a test identity typed into a page's fields as a visitor types it (`fill`), the
classification of those fields (`classify`), and the identity itself (`identity`). Where the
typed values end up in pixel traffic is found by `pixelhelper.inspect.leaks`."""
