# Compiles a list of library sources into $(OUT), one object per source,
# in parallel under the caller's jobserver. Used for BearSSL's ~280 files.
# Objects are named by their path below the library's src/ folder.
OBJS := $(foreach s,$(SRCS),$(OUT)/$(subst /,_,$(lastword $(subst /src/, ,$(s)))))
OBJS := $(OBJS:.c=.o)

objs: $(OBJS)

define one
$(OUT)/$(subst /,_,$(lastword $(subst /src/, ,$(1:.c=.o)))): $(1)
	@$$(CC) $$(CFLAGS) -c $$< -o $$@
endef
$(foreach s,$(SRCS),$(eval $(call one,$(s))))
