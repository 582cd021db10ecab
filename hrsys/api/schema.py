from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    """Names components after their view when serializers are nested in it.

    Every API view here declares ``InputSerializer`` / ``OutputSerializer`` inside
    itself (one view per operation); named by class alone they would all collide
    as "Input" / "Output" and the schema would describe the wrong bodies.
    """

    def get_serializer_name(self, serializer, direction):
        cls = serializer if isinstance(serializer, type) else type(serializer)
        outer, _, inner = cls.__qualname__.rpartition(".")
        if not outer:
            return super().get_serializer_name(serializer, direction)
        view = outer.split(".")[-1].removesuffix("Api").removesuffix("View")
        return view + inner.removesuffix("Serializer")
